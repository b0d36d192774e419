package io.segflow.segment.consume;

import io.segflow.core.Topics;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * Records whose processing threw. Each is tried again (its round starts over from what Redis holds) up to
 * {@code maxAttempts} times, then sent to the dead-letter topic with the reason and skipped from then on: one record
 * that keeps failing never stalls its partition.
 */
final class FailingRecords {
    private static final Logger LOG = Logger.getLogger(FailingRecords.class);

    /** Sends a record to the dead-letter topic; throws if Kafka refused it (then it is tried again later). */
    interface DeadLetters {
        void send(ConsumerRecord<String, ByteBuffer> record, String reason);
    }

    /** A record of {@code segflow.events}, by where it is. */
    private record Position(int partition, long offset) {
        static Position of(ConsumerRecord<?, ?> record) {
            return new Position(record.partition(), record.offset());
        }
    }

    private final int maxAttempts;
    private final DeadLetters deadLetters;
    private final Map<Position, Integer> attempts = new HashMap<>();
    private final Set<Position> skipped = new HashSet<>();

    FailingRecords(int maxAttempts, DeadLetters deadLetters) {
        this.maxAttempts = maxAttempts;
        this.deadLetters = deadLetters;
    }

    /** Whether the record was dead-lettered: it is passed over when read again. */
    boolean skips(ConsumerRecord<?, ?> record) {
        return !skipped.isEmpty() && skipped.contains(Position.of(record));
    }

    /**
     * The partition's state is stored up to {@code nextOffset}: the records before it are never read again (a
     * record that failed, then passed, or was skipped), so they are forgotten.
     */
    void storedUpTo(int partition, long nextOffset) {
        if (!attempts.isEmpty()) {
            attempts.keySet().removeIf(position -> position.partition() == partition && position.offset() < nextOffset);
        }
        if (!skipped.isEmpty()) {
            skipped.removeIf(position -> position.partition() == partition && position.offset() < nextOffset);
        }
    }

    /** Records remembered: failing ones and skipped ones. */
    int remembered() {
        return attempts.size() + skipped.size();
    }

    /** The record's processing failed once more: it is tried again, or dead-lettered after its last attempt. */
    void failed(PoisonRecord failure) {
        ConsumerRecord<String, ByteBuffer> record = failure.record;
        String position = positionOf(record);
        int tries = attempts.merge(Position.of(record), 1, Integer::sum);
        if (tries < maxAttempts) {
            LOG.warnf(failure.getCause(), "Processing %s failed (attempt %d of %d), retrying", position, tries, maxAttempts);
            return;
        }
        String reason = failure.getCause().getClass().getSimpleName() + ": " + failure.getCause().getMessage();
        deadLetters.send(record, reason);
        attempts.remove(Position.of(record));
        skipped.add(Position.of(record));
        LOG.errorf(failure.getCause(), "Record %s failed %d times: sent to %s and skipped", position, tries, Topics.EVENTS_DEAD_LETTER);
    }

    static String positionOf(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }
}
