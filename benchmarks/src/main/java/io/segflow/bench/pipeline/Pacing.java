package io.segflow.bench.pipeline;

import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop pacing in ticks of a millisecond: the events due within a tick go out together, as ingest's producer
 * (linger 2 ms) or an SDK's batch sends them. A sender that woke for every event would take 5,000 wake-ups a second
 * at 5,000 events/s, a good part of a core on this machine, and that core is the one the pipeline under test waits
 * for. Latencies still count from each event's intended time, so a tick adds at most a millisecond to them.
 */
final class Pacing {
    static final long TICK_NANOS = 1_000_000;

    private Pacing() {
    }

    /** Returns once the event intended at {@code intendedNanos} is due, waiting at least a tick if it is not yet. */
    static void awaitDue(long intendedNanos) {
        // parkNanos may return early (spuriously, or on an interrupt): an event sent before its time would flatter
        // every latency measured from that time, so wait again until it is due.
        long park;
        while ((park = parkNanos(intendedNanos, System.nanoTime())) > 0 && !Thread.currentThread().isInterrupted()) {
            LockSupport.parkNanos(park);
        }
    }

    /** How long to park at {@code nowNanos} for the event intended at {@code intendedNanos}: 0 when it is due. */
    static long parkNanos(long intendedNanos, long nowNanos) {
        long wait = intendedNanos - nowNanos;
        return wait > 0 ? Math.max(wait, TICK_NANOS) : 0;
    }
}
