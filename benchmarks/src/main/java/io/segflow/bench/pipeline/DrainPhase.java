package io.segflow.bench.pipeline;

import io.segflow.bench.engine.Resp;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Throughput: a backlog written while segment-function is stopped, then drained as fast as it can. The rate is
 * taken between the group's first committed-offset movement and the moment committed offsets reach the end
 * (startup and the first batch are not in it), and Redis' and segment-function's CPU are taken over the same
 * interval. Kafka's and Redis' own benchmark tools then run on the same servers as the physical limits.
 */
final class DrainPhase {
    private static final long POLL_MILLIS = 50;

    private final EngineOptions options;
    private final Resp redis;
    private final GroupProgress progress;
    private final Summary summary;
    private final String run;
    private final SegmentMetrics segmentMetrics;
    /** Redis' CPU per drained event, shown next to redis-benchmark's rate. */
    private double redisCpuPerEvent;

    DrainPhase(EngineOptions options, Resp redis, GroupProgress progress, Summary summary, String run) {
        this.options = options;
        this.redis = redis;
        this.progress = progress;
        this.summary = summary;
        this.run = run;
        this.segmentMetrics = new SegmentMetrics(options.metricsUrl());
    }

    void run() throws Exception {
        int members = progress.members();
        // --warm true: segment-function runs already (warmed up by an earlier drain); it is paused (SIGSTOP) while
        // the backlog is written and resumed once it is ready, so that the drain measures a warm JVM.
        ProcessCpu paused = options.warm() ? ProcessCpu.find(options.pid(), options.pidFile()) : null;
        if (paused != null) {
            signal(paused.pid(), "STOP");
        } else if (members > 0) {
            throw new IllegalStateException("group " + EngineLoad.GROUP + " has " + members + " consumer(s): stop segment-function "
                    + "first (one killed without closing stays a member until its session times out); this phase measures it "
                    + "draining a backlog it has not seen yet");
        }
        try (ChangeStream changes = new ChangeStream(options.bootstrap());
             EventProducer producer = new EventProducer(options.bootstrap(), 10)) {
            ShopTraffic traffic = new ShopTraffic(run, options.users());
            long start = System.nanoTime();
            for (int i = 0; i < options.events(); i++) {
                producer.send(traffic.next());
            }
            producer.flush();
            double produceSeconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("produced %,d events for %,d users (%,d bytes per record on average) in %.1f s: %,.0f events/s%n",
                    options.events(), options.users(), producer.averageBytes(), produceSeconds, options.events() / produceSeconds);

            GroupProgress.Snapshot ready = progress.snapshot();
            System.out.printf("%nbacklog ready: %,d events waiting in %s for group %s. %s%n%n",
                    ready.lag(), io.segflow.core.Topics.EVENTS, EngineLoad.GROUP,
                    paused != null ? "Resuming segment-function." : "Start segment-function now.");
            if (paused != null) {
                signal(paused.pid(), "CONT");
            }
            GroupProgress.Snapshot first = awaitFirstCommit(ready);
            ProcessCpu cpu = ProcessCpu.find(options.pid(), options.pidFile());
            long cpuBefore = cpu != null && cpu.alive() ? cpu.micros() : -1;
            RedisStats redisBefore = RedisStats.take(redis);
            Map<String, Double> jvmBefore = segmentMetrics.read();
            System.out.printf("first commit seen %.1f s after the backlog was ready; %,d events left; segment-function pid %s%n",
                    (first.nanos() - ready.nanos()) / 1e9, first.lag(), cpuBefore >= 0 ? cpu.pid() : "unknown (give --pid or --pid-file)");

            GroupProgress.Snapshot last = awaitDrained(first);
            long cpuAfter = cpuBefore >= 0 && cpu.alive() ? cpu.micros() : -1;
            RedisStats redisAfter = RedisStats.take(redis);
            Map<String, Double> jvmAfter = segmentMetrics.read();
            long events = last.committed() - first.committed();
            double seconds = (last.nanos() - first.nanos()) / 1e9;
            double rate = events / seconds;
            System.out.printf("drained: %,d events in %.2f s after the first commit: %,.0f events/s%n", events, seconds, rate);
            summary.add("drain", "backlog", "%,d events, %,d users, %,d bytes per record", options.events(), options.users(), producer.averageBytes());
            summary.add("drain", "segment-function drain rate", "%,.0f events/s (%,d events in %.2f s)", rate, events, seconds);

            reportCpu(cpuBefore, cpuAfter, events);
            reportHeap(jvmBefore, jvmAfter, events);
            reportRedis(redisBefore, redisAfter, events);

            changes.awaitQuiet(Duration.ofSeconds(2), Duration.ofSeconds(30));
            long[] byCause = changes.byCause();
            System.out.printf("change records: %,d read, %,d distinct (user, version), %,d duplicates; distinct by cause: "
                    + "event %,d, time %,d, catalog %,d, merge %,d; %.2f per event%n", changes.records(), changes.distinct(),
                    changes.duplicates(), byCause[0], byCause[1], byCause[2], byCause[3],
                    changes.distinct() / (double) options.events());
            summary.add("drain", "change records", "%,d distinct, %,d duplicates", changes.distinct(), changes.duplicates());

            compareWithKafka(rate, producer.averageBytes(), Math.max(200_000L, options.events()));
        }
    }

    private GroupProgress.Snapshot awaitFirstCommit(GroupProgress.Snapshot ready) throws InterruptedException {
        long nextNotice = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            GroupProgress.Snapshot now = progress.snapshot();
            if (now.committed() > ready.committed()) {
                return now;
            }
            if (now.nanos() > nextNotice) {
                System.out.printf("still waiting for group %s to commit (%d consumers)%n", EngineLoad.GROUP, progress.members());
                nextNotice = now.nanos() + Duration.ofSeconds(30).toNanos();
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    private GroupProgress.Snapshot awaitDrained(GroupProgress.Snapshot first) throws InterruptedException {
        GroupProgress.Snapshot now = first;
        GroupProgress.Snapshot lastPrinted = first;
        while (now.lag() > 0) {
            Thread.sleep(POLL_MILLIS);
            now = progress.snapshot();
            if (now.nanos() - lastPrinted.nanos() >= 5_000_000_000L) {
                System.out.printf("  %,d events left, %,.0f events/s over the last %.0f s%n", now.lag(),
                        (now.committed() - lastPrinted.committed()) * 1e9 / (now.nanos() - lastPrinted.nanos()),
                        (now.nanos() - lastPrinted.nanos()) / 1e9);
                lastPrinted = now;
            }
        }
        return now;
    }

    /**
     * What segment-function allocated per event and what its collector paused, from its Prometheus endpoint. The
     * allocation counter moves at each young collection (what the young generation grew by since the last), so the
     * figure is within one young generation over the drain.
     */
    private void reportHeap(Map<String, Double> before, Map<String, Double> after, long events) {
        String allocated = "jvm_gc_memory_allocated_bytes_total";
        if (!before.containsKey(allocated) || !after.containsKey(allocated)) {
            System.out.println("segment-function heap: unknown (no metrics at " + segmentMetrics.url() + "; give --metrics-url)");
            return;
        }
        double bytesPerEvent = (after.get(allocated) - before.get(allocated)) / events;
        double pauses = after.getOrDefault("jvm_gc_pause_seconds_count", 0.0) - before.getOrDefault("jvm_gc_pause_seconds_count", 0.0);
        double pausedMillis = 1000 * (after.getOrDefault("jvm_gc_pause_seconds_sum", 0.0) - before.getOrDefault("jvm_gc_pause_seconds_sum", 0.0));
        System.out.printf("segment-function heap: %,.0f bytes allocated per event; %.0f collections pausing %.0f ms in all (%.1f ms each)%n",
                bytesPerEvent, pauses, pausedMillis, pauses > 0 ? pausedMillis / pauses : 0.0);
        summary.add("drain", "segment-function heap allocation per event", "%,.0f bytes (%.0f collections, %.0f ms of pauses)",
                bytesPerEvent, pauses, pausedMillis);
    }

    private void reportCpu(long before, long after, long events) {
        if (before < 0 || after < 0) {
            System.out.println("segment-function CPU: unknown (no live pid; give --pid or --pid-file)");
            return;
        }
        double perEvent = (after - before) / (double) events;
        System.out.printf("segment-function CPU: %,.0f ms over the drain, %.1f µs per event%n", (after - before) / 1000.0, perEvent);
        summary.add("drain", "segment-function CPU per event", "%.1f µs", perEvent);
    }

    /**
     * The writes of a round's flush, queued in a MULTI: their rows are inside EXEC's time. Leaving them out
     * undercounts by the few of these sent outside a transaction (not per event).
     */
    static final java.util.Set<String> RUN_IN_TRANSACTIONS =
            java.util.Set.of("mset", "del", "zadd", "zrem", "sadd", "srem", "ltrim", "rpush", "hset");

    private void reportRedis(RedisStats before, RedisStats after, long events) {
        List<RedisStats.Command> commands = after.since(before);
        // EXEC's row (like a script's) includes the time of the commands it runs, which have rows of their own too:
        // count EXEC and the commands the engine sends itself, not the transaction's writes a second time.
        List<RedisStats.Command> sent = commands.stream().filter(c -> !RUN_IN_TRANSACTIONS.contains(c.name())).toList();
        long calls = sent.stream().mapToLong(RedisStats.Command::calls).sum();
        long usec = sent.stream().mapToLong(RedisStats.Command::usec).sum();
        double cpuPerEvent = (after.cpuSeconds() - before.cpuSeconds()) * 1e6 / events;
        redisCpuPerEvent = cpuPerEvent;
        System.out.printf("Redis over the drain: %.2f calls and %.1f µs of command time per event (commandstats: EXEC and "
                + "scripts with what they run, and the commands sent directly; the rows of %s are inside EXEC's time); "
                + "process CPU %.1f µs per event (INFO cpu)%n",
                calls / (double) events, usec / (double) events, RUN_IN_TRANSACTIONS, cpuPerEvent);
        System.out.printf("  %-24s %12s %12s %14s %12s%n", "command", "calls", "per event", "µs per event", "µs per call");
        for (RedisStats.Command command : commands) {
            System.out.printf("  %-24s %,12d %12.2f %14.2f %12.2f%n", command.name(), command.calls(),
                    command.calls() / (double) events, command.usec() / (double) events, command.usec() / (double) command.calls());
        }
        summary.add("drain", "Redis calls per event", "%.2f (%d kinds sent; top: %s)", calls / (double) events, sent.size(),
                sent.isEmpty() ? "-" : sent.getFirst().name());
        summary.add("drain", "Redis command time per event", "%.1f µs (commandstats: EXEC, scripts and commands sent)", usec / (double) events);
        summary.add("drain", "Redis process CPU per event", "%.1f µs (at most %,.0f events/s on one Redis core)",
                cpuPerEvent, cpuPerEvent > 0 ? 1e6 / cpuPerEvent : 0.0);
    }

    private void compareWithKafka(double rate, int recordBytes, long records) throws Exception {
        Baselines.Measured perf = Baselines.producerPerfTest(options.kafkaLibs(), options.bootstrap(), options.producerTopic(),
                recordBytes, records);
        if (perf == null) {
            System.out.println("kafka-producer-perf-test: no kafka-tools jar in --kafka-libs (infra/local/up fetches it); skipped");
        } else {
            System.out.printf("kafka-producer-perf-test on the same broker (%d-byte records, acks=all, idempotent): %,.0f records/s (%s)%n",
                    recordBytes, perf.perSecond(), perf.summary());
            System.out.printf("ratio segment-function events/s : kafka-producer-perf-test records/s = %.3f%n", rate / perf.perSecond());
            summary.add("drain", "kafka-producer-perf-test", "%,.0f records/s (%d bytes)", perf.perSecond(), recordBytes);
            summary.add("drain", "ratio engine : perf-test", "%.3f", rate / perf.perSecond());
        }
        Baselines.Measured bench = Baselines.redisBenchmark(options.redis());
        if (bench == null) {
            System.out.println("redis-benchmark: not on the PATH; skipped");
        } else {
            System.out.printf("redis-benchmark -t set,get -P 16 on the same Redis: %s; segment-function took %.1f µs of Redis CPU "
                    + "per event%n", bench.summary(), redisCpuPerEvent);
            summary.add("drain", "redis-benchmark set,get -P 16", "%s (vs %.1f µs of Redis CPU per event)", bench.summary(), redisCpuPerEvent);
        }
    }

    private static void signal(long pid, String signal) throws Exception {
        new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor();
    }
}
