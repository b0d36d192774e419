package io.segflow.api.push;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.membership.SegmentChangeJson;
import io.segflow.core.trace.RecordTraces;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads every segment change, in a consumer group of its own per instance (see application.properties), so that
 * whichever instance holds a user's connection gets the change. Starts at the end: past changes are in Redis.
 */
@ApplicationScoped
public class SegmentChangesListener {
    private static final Logger LOG = Logger.getLogger(SegmentChangesListener.class);
    private final PushHub hub;
    private final Tracer tracer;

    SegmentChangesListener(PushHub hub, OpenTelemetry telemetry) {
        this.hub = hub;
        this.tracer = telemetry.getTracer("io.segflow.api");
    }

    /**
     * A poll's records at once: a hand-off to a worker thread per poll, not per record. Most changes are of users
     * without a connection here and cost one map lookup by the record's key. Each change pushed is a span under the
     * change record's trace (the extension's per-record tracing is off for this channel: it would trace every record,
     * and it does not trace the records of a batch).
     */
    @Incoming("segment-changes-push")
    @Blocking // a gap in versions re-reads Redis
    public void onChanges(ConsumerRecords<String, byte[]> records) {
        for (ConsumerRecord<String, byte[]> record : records) {
            String userId = record.key(); // the user (docs/contracts.md)
            if (userId != null && hub.openConnections(userId) == 0) {
                continue; // no connection here: not even read
            }
            SegmentChange change = read(record);
            // Merged and erased records have no segment: the first moves the id's streams on to the user it was merged
            // into, the second ends them.
            if (change == null || change.userId() == null || (change.segmentId() == null && !change.isLastOfId())) {
                continue;
            }
            if (userId == null && hub.openConnections(change.userId()) == 0) {
                continue; // a record without a key: its user is known only now
            }
            Span span = RecordTraces.startProcessing(tracer, record);
            try {
                hub.publish(change);
            } finally {
                span.end();
            }
        }
    }

    private static SegmentChange read(ConsumerRecord<String, byte[]> record) {
        try {
            return record.value() == null ? null : SegmentChangeJson.read(record.value());
        } catch (IOException | RuntimeException e) {
            LOG.warnf("ignoring an unreadable segment change at %s-%d@%d: %s", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return null;
        }
    }

    /** Tells the hub when partitions are assigned, for readiness and for tests that must not publish too early. */
    @ApplicationScoped
    @Identifier("segment-changes-push-rebalance")
    static class Assignment implements KafkaConsumerRebalanceListener {
        private final PushHub hub;

        Assignment(PushHub hub) {
            this.hub = hub;
        }

        @Override
        public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
            // With auto.offset.reset=latest the position is only fixed once looked up: do it now, so that a record
            // published after this point is delivered even if the first poll comes later.
            partitions.forEach(consumer::position);
            hub.listening(!partitions.isEmpty());
        }

        @Override
        public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
            hub.listening(false);
        }
    }
}
