package io.segflow.api.push;

import io.segflow.core.membership.SegmentChange;
import io.segflow.core.membership.SegmentChangeJson;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
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

    SegmentChangesListener(PushHub hub) {
        this.hub = hub;
    }

    @Incoming("segment-changes-push")
    @Blocking // a gap in versions re-reads Redis
    public void onChange(String json) {
        SegmentChange change;
        try {
            change = SegmentChangeJson.read(json.getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            LOG.warnf("ignoring an unreadable segment change: %s", e.getMessage());
            return;
        }
        // A merged record has no segment: it moves the id's streams on to the user it was merged into.
        if (change != null && change.userId() != null && (change.segmentId() != null || change.isMerge())) {
            hub.publish(change);
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
