package io.segflow.bench.pipeline;

import io.segflow.bench.engine.Resp;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the machine's cores were shared over a window: segment-function, the Kafka broker (when its pid file is
 * there), Redis ({@code INFO cpu}) and this load generator, each as a share of one core. On a machine where they all
 * run, a latency is mostly waiting for a core once their sum nears the core count; this shows when it does.
 */
final class CpuShares {
    static final String SEGMENT_FUNCTION = "segment-function";

    private final Map<String, ProcessCpu> processes = new LinkedHashMap<>();
    private final Resp redis;

    /** A snapshot: CPU micros per component, and when (nanoTime). */
    record Snapshot(Map<String, Long> micros, long nanos) {
    }

    CpuShares(ProcessCpu segmentFunction, ProcessCpu kafka, Resp redis) {
        if (segmentFunction != null && segmentFunction.alive()) {
            processes.put(SEGMENT_FUNCTION, segmentFunction);
        }
        if (kafka != null && kafka.alive()) {
            processes.put("Kafka", kafka);
        }
        this.redis = redis;
    }

    Snapshot take() throws IOException {
        Map<String, Long> micros = new LinkedHashMap<>();
        for (Map.Entry<String, ProcessCpu> process : processes.entrySet()) {
            if (process.getValue().alive()) {
                micros.put(process.getKey(), process.getValue().micros());
            }
        }
        micros.put("Redis", (long) (RedisStats.cpuSeconds(redis) * 1e6));
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            micros.put("load generator", os.getProcessCpuTime() / 1_000);
        }
        return new Snapshot(micros, System.nanoTime());
    }

    /** CPU micros a component used between the snapshots, or -1 when one of them lacks it (a process gone). */
    static long used(Snapshot before, Snapshot after, String component) {
        Long then = before.micros().get(component);
        Long now = after.micros().get(component);
        return then == null || now == null ? -1 : now - then;
    }

    /** "segment-function 51%, Kafka 50%, Redis 31%, load generator 35%; 167% of 200%" */
    static String between(Snapshot before, Snapshot after) {
        double seconds = (after.nanos() - before.nanos()) / 1e9;
        List<String> parts = new ArrayList<>();
        double total = 0;
        for (Map.Entry<String, Long> entry : after.micros().entrySet()) {
            Long then = before.micros().get(entry.getKey());
            if (then != null) {
                double share = (entry.getValue() - then) / 1e4 / seconds;
                total += share;
                parts.add(String.format("%s %.0f%%", entry.getKey(), share));
            }
        }
        return String.format("%s; %.0f%% of %d%%", String.join(", ", parts), total, Runtime.getRuntime().availableProcessors() * 100);
    }
}
