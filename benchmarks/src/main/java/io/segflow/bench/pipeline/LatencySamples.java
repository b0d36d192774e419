package io.segflow.bench.pipeline;

import java.util.Arrays;
import java.util.TreeMap;
import java.util.function.LongPredicate;

/**
 * Change-record latencies with the intended send time of their event, so that a run can be split afterwards
 * (before, during and after a backfill). Percentiles by sorting: a run holds at most a few million.
 */
final class LatencySamples {
    private long[] intended = new long[1 << 16];
    private long[] micros = new long[1 << 16];
    private int count;

    synchronized void add(long intendedNanos, long latencyNanos) {
        if (count == micros.length) {
            intended = Arrays.copyOf(intended, count * 2);
            micros = Arrays.copyOf(micros, count * 2);
        }
        intended[count] = intendedNanos;
        micros[count++] = latencyNanos / 1_000;
    }

    synchronized int count() {
        return count;
    }

    /** p50, p90, p99, max in ms and the count, of the samples whose event was due at a time {@code due} accepts. */
    synchronized Percentiles percentiles(LongPredicate due) {
        long[] selected = new long[count];
        int n = 0;
        for (int i = 0; i < count; i++) {
            if (due.test(intended[i])) {
                selected[n++] = micros[i];
            }
        }
        long[] sorted = Arrays.copyOf(selected, n);
        Arrays.sort(sorted);
        return new Percentiles(n, at(sorted, 0.50), at(sorted, 0.90), at(sorted, 0.99), n == 0 ? 0 : sorted[n - 1] / 1000.0);
    }

    /**
     * The slowest sample of each second from {@code startNanos} (by intended send time), in ms: a stall shows as a
     * run of seconds.
     */
    synchronized String slowestPerSecond(long startNanos) {
        TreeMap<Long, Long> slowest = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            slowest.merge(Math.max(0, intended[i] - startNanos) / 1_000_000_000L, micros[i], Math::max);
        }
        StringBuilder line = new StringBuilder();
        slowest.values().forEach(max -> line.append(line.isEmpty() ? "" : " ").append(Math.round(max / 1000.0)));
        return line.toString();
    }

    record Percentiles(int count, double p50, double p90, double p99, double max) {
        @Override
        public String toString() {
            return count == 0 ? "no samples"
                    : String.format("p50 %.1f / p90 %.1f / p99 %.1f / max %.1f ms (%,d changes)", p50, p90, p99, max, count);
        }
    }

    private static double at(long[] sorted, double quantile) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)] / 1000.0;
    }
}
