package io.segflow.trigger.fire;

import io.segflow.core.trigger.TriggerKeys;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/** The shards of the {@code segflow.events} partitions this instance reads for event and threshold triggers. */
@ApplicationScoped
@Identifier(EventPartitions.REBALANCE_LISTENER)
public class EventPartitions implements KafkaConsumerRebalanceListener {
    /** Named by {@code mp.messaging.incoming.events.consumer-rebalance-listener.name}. */
    static final String REBALANCE_LISTENER = "events-rebalance";

    private final OwnedShards shards;

    EventPartitions(OwnedShards shards) {
        this.shards = shards;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> assigned) {
        assigned.forEach(p -> shards.add(TriggerKeys.eventsShard(p.partition())));
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> revoked) {
        revoked.forEach(p -> shards.remove(TriggerKeys.eventsShard(p.partition())));
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> lost) {
        lost.forEach(p -> shards.remove(TriggerKeys.eventsShard(p.partition())));
    }
}
