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

    private final int maxAttempts;
    private final DeadLetters deadLetters;
    private final Map<String, Integer> attempts = new HashMap<>();
    private final Set<String> skipped = new HashSet<>();

    FailingRecords(int maxAttempts, DeadLetters deadLetters) {
        this.maxAttempts = maxAttempts;
        this.deadLetters = deadLetters;
    }

    /** Whether the record was dead-lettered: it is passed over when read again. */
    boolean skips(ConsumerRecord<?, ?> record) {
        return !skipped.isEmpty() && skipped.contains(positionOf(record));
    }

    /** The record's processing failed once more: it is tried again, or dead-lettered after its last attempt. */
    void failed(PoisonRecord failure) {
        ConsumerRecord<String, ByteBuffer> record = failure.record;
        String position = positionOf(record);
        int tries = attempts.merge(position, 1, Integer::sum);
        if (tries < maxAttempts) {
            LOG.warnf(failure.getCause(), "Processing %s failed (attempt %d of %d), retrying", position, tries, maxAttempts);
            return;
        }
        String reason = failure.getCause().getClass().getSimpleName() + ": " + failure.getCause().getMessage();
        deadLetters.send(record, reason);
        attempts.remove(position);
        skipped.add(position);
        LOG.errorf(failure.getCause(), "Record %s failed %d times: sent to %s and skipped", position, tries, Topics.EVENTS_DEAD_LETTER);
    }

    static String positionOf(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }
}
