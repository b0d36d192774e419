package io.segflow.trigger.fire;

import java.util.function.IntConsumer;

/**
 * {@code WAIT acks timeout} after each transaction of firings, on its connection: the batch completes (and its
 * offsets become committable) once that many replicas hold its writes. A replica that does not answer in time holds
 * one batch for the timeout, then the waits stop for {@link #SUSPENDED_FOR_MILLIS}: a replica down slows a batch
 * every few seconds, not every batch, while there is nothing to wait for.
 */
final class ReplicaWait {
    static final long SUSPENDED_FOR_MILLIS = 10_000;

    private final int acks;
    private final long timeoutMillis;
    private final IntConsumer shortfall;
    private volatile long suspendedUntil;

    /** {@code shortfall} gets the count of replicas that acknowledged, when fewer than {@code acks} did in time. */
    ReplicaWait(int acks, long timeoutMillis, IntConsumer shortfall) {
        this.acks = acks;
        this.timeoutMillis = timeoutMillis;
        this.shortfall = shortfall;
    }

    /** Whether a transaction sent now waits for the replicas. */
    boolean waiting() {
        return System.currentTimeMillis() >= suspendedUntil;
    }

    int acks() {
        return acks;
    }

    long timeoutMillis() {
        return timeoutMillis;
    }

    /** What WAIT answered: fewer replicas than asked suspends the waits. */
    void acknowledged(int replicas) {
        if (replicas < acks) {
            suspendedUntil = System.currentTimeMillis() + SUSPENDED_FOR_MILLIS;
            shortfall.accept(replicas);
        }
    }
}
