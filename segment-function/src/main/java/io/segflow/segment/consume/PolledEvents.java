package io.segflow.segment.consume;

import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * A poll's records of the owned partitions, read as events, and their users by partition: the users a round reads
 * from Redis when memory lacks them.
 *
 * @param events in partition order, each with its event (null when the record does not read as one)
 * @param users the users of the events, by partition
 */
record PolledEvents(List<Polled> events, Map<Integer, Set<String>> users) {
    private static final Logger LOG = Logger.getLogger(PolledEvents.class);
    static final PolledEvents NONE = new PolledEvents(List.of(), Map.of());

    /** A record and its event, or null for a record that does not read as one (its offset still counts as consumed). */
    record Polled(ConsumerRecord<String, ByteBuffer> record, Event event) {
    }

    /** Counts the records that do not read as an event. */
    interface Unreadable {
        void record(ConsumerRecord<String, ByteBuffer> record);
    }

    /**
     * Reads the {@code count} records of the {@code owned} partitions; those of a partition claimed later are read again
     * from its stored offset then.
     */
    static PolledEvents read(Iterable<ConsumerRecord<String, ByteBuffer>> records, int count, IntPredicate owned,
                             Unreadable unreadable) {
        List<Polled> polled = new ArrayList<>(count);
        Map<Integer, Set<String>> users = new HashMap<>();
        for (ConsumerRecord<String, ByteBuffer> record : records) {
            if (!owned.test(record.partition())) {
                continue;
            }
            Event event = read(record);
            if (event == null) {
                unreadable.record(record);
            } else {
                users.computeIfAbsent(record.partition(), p -> new HashSet<>()).add(event.profileKey());
            }
            polled.add(new Polled(record, event));
        }
        return polled.isEmpty() ? NONE : new PolledEvents(polled, users);
    }

    /**
     * Ingest validates every event, so a record that does not read as one (or lacks its user or messageId) is a foreign
     * producer's: it is passed over, never stops the partition.
     */
    private static Event read(ConsumerRecord<String, ByteBuffer> record) {
        try {
            Event event = EventRecords.readForProfile(record.value());
            if (event != null && event.profileKey() != null && event.messageId() != null) {
                return event;
            }
        } catch (IOException | RuntimeException e) {
            LOG.warnf("Skipping an unreadable record at %s-%d@%d: %s", record.topic(), record.partition(), record.offset(), e.getMessage());
        }
        return null;
    }
}
