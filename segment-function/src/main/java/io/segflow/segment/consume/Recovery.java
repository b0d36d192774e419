package io.segflow.segment.consume;

import io.segflow.segment.store.PartitionStore;
import java.time.Duration;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * What the engine does after a failed round: a segment saved meanwhile evaluates the round again; a record that keeps
 * failing is tried again until it used its attempts, then dead-lettered; anything else resets the owned partitions
 * after a backoff that doubles up to {@link #MAX_BACKOFF}. Recovering needs Kafka or Redis too (a seek, a dead
 * letter, a new producer), so it may fail as well: then the partitions are reset and the backoff taken all the same,
 * and the engine goes on. Nothing but a stop ends it.
 */
final class Recovery {
    private static final Logger LOG = Logger.getLogger(Recovery.class);
    static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    /** The engine's side of it. */
    interface Engine {
        /** Evaluates the rounds in flight again, against the catalog saved meanwhile. */
        void rewind(PartitionStore.CatalogChanged changed);

        /** Counts one more failure of the record; dead-letters it after its last attempt (throws if Kafka refused). */
        void failed(PoisonRecord poison);

        /** Forgets everything in memory and claims the owned partitions again from what Redis holds. */
        void reset();

        /** What readiness reports until a round goes through again. */
        void failing(RuntimeException failure);

        /** Waits; false when interrupted (stopping). */
        boolean sleep(Duration duration);
    }

    private final Engine engine;
    private Duration backoff = FIRST_BACKOFF;

    Recovery(Engine engine) {
        this.engine = engine;
    }

    /** A round went through: the next failure waits the shortest backoff again. */
    void succeeded() {
        backoff = FIRST_BACKOFF;
    }

    /** Recovers from a failed round; false when the engine is stopping. */
    boolean recover(RuntimeException failure) {
        try {
            return recoverOnce(failure);
        } catch (WakeupException stopping) {
            return false;
        } catch (RuntimeException recoveryFailed) {
            engine.failing(recoveryFailed);
            LOG.warnf("segment-function could not recover from a failed round, resetting the owned partitions and retrying in "
                    + "%d ms: %s", backoff.toMillis(), recoveryFailed.getMessage());
            try {
                engine.reset();
            } catch (WakeupException stopping) {
                return false;
            } catch (RuntimeException resetFailed) {
                // Memory is cleared before the producer is replaced: the next reset tries the producer again.
                LOG.debugf("Resetting failed too (the next reset tries again): %s", resetFailed.getMessage());
            }
            return backOff();
        }
    }

    private boolean recoverOnce(RuntimeException failure) {
        if (failure instanceof PartitionStore.CatalogChanged changed) {
            engine.rewind(changed);
            return true;
        }
        if (failure instanceof PoisonRecord poison) {
            try {
                engine.failed(poison);
            } catch (RuntimeException deadLetterFailed) {
                // Kafka refused the dead letter: the record is tried again after a reset and the backoff.
                LOG.warnf("Dead-lettering %s failed: %s", FailingRecords.positionOf(poison.record), deadLetterFailed.getMessage());
                failure = deadLetterFailed;
            }
            if (failure == poison) {
                engine.reset(); // tried again at once, until its attempts are used up
                return true;
            }
        }
        engine.failing(failure);
        LOG.warnf("segment-function round failed, resetting the owned partitions and retrying in %d ms: %s",
                backoff.toMillis(), failure.getMessage());
        engine.reset();
        return backOff();
    }

    private boolean backOff() {
        if (!engine.sleep(backoff)) {
            return false;
        }
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        return true;
    }
}
