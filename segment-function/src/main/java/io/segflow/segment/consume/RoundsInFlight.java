package io.segflow.segment.consume;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.segflow.segment.apply.OwnedPartition;
import io.segflow.segment.publish.ChangePublisher;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Stored rounds whose change records are on their way to Kafka, oldest first. The loop goes on polling, applying and
 * storing while Kafka acknowledges them. A round is settled only once every round before it is, so that what a
 * partition's next flush trims is always a prefix of its stored records.
 */
final class RoundsInFlight {
    /**
     * Rounds stored but not acknowledged yet: the loop waits for the oldest only when this many are. Live rounds are
     * small (a dozen events, 2 ms apart at 5,000 events/s), so a handful would tie the next events to one slow ack of
     * the broker; this many ride out a stall of tens of milliseconds, and bound what a crash publishes again.
     */
    static final int MAX_ROUNDS = 32;

    /** A stored round's acks, and per partition how many entries of its pending list the round appended. */
    private record Stored(ChangePublisher.Pending acks, Map<OwnedPartition, Integer> entries, int records, long startedNanos) {
    }

    private final ArrayDeque<Stored> rounds = new ArrayDeque<>();
    private final Duration publishTimeout;
    private final Timer publishStage;
    private final Counter published;

    RoundsInFlight(Duration publishTimeout, Timer publishStage, Counter published) {
        this.publishTimeout = publishTimeout;
        this.publishStage = publishStage;
        this.published = published;
    }

    /** A round was stored and its {@code records} change records sent. */
    void add(ChangePublisher.Pending acks, Map<OwnedPartition, Integer> entries, int records) {
        rounds.addLast(new Stored(acks, entries, records, System.nanoTime()));
    }

    /**
     * Takes the rounds Kafka acknowledged off the head, in order, and lets their partitions trim what they stored
     * (those {@code stillOwned}: one claimed again since has a new owner object); waits for the oldest while
     * {@link #MAX_ROUNDS} are on their way, or for every round with {@code all}. A failed send throws.
     */
    void settle(boolean all, Predicate<OwnedPartition> stillOwned) {
        while (!rounds.isEmpty()) {
            Stored oldest = rounds.peekFirst();
            if (!all && !oldest.acks().done() && rounds.size() < MAX_ROUNDS) {
                return;
            }
            rounds.pollFirst();
            oldest.acks().await(publishTimeout);
            publishStage.record(System.nanoTime() - oldest.startedNanos(), TimeUnit.NANOSECONDS);
            published.increment(oldest.records());
            oldest.entries().forEach((partition, entries) -> {
                if (stillOwned.test(partition)) {
                    partition.published(entries);
                }
            });
        }
    }

    /** Forgets every round: the partitions' next owners publish what they stored again. */
    void clear() {
        rounds.clear();
    }

    int size() {
        return rounds.size();
    }
}
