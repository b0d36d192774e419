package io.segflow.trigger.fire;

import io.segflow.core.Topics;
import io.segflow.core.state.Partitioning;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.trigger.TriggerProducer;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The shard of any id's segment trigger state, also of an id whose partition of {@code segflow.segment-changes} this
 * instance does not own: segment-function keys the changes by user, so Kafka's default partitioner places them. The
 * topic's partition count is asked of Kafka once, when first needed.
 */
@ApplicationScoped
public class ChangePartitions {
    private final TriggerProducer kafka;
    private volatile int count;

    ChangePartitions(TriggerProducer kafka) {
        this.kafka = kafka;
    }

    /** The shard {@code userId}'s changes are decided in ({@link TriggerKeys#changesShard}). */
    public String shardOf(String userId) {
        int partitions = count;
        if (partitions == 0) {
            partitions = kafka.partitionsOf(Topics.SEGMENT_CHANGES);
            count = partitions;
        }
        return TriggerKeys.changesShard(Partitioning.partitionOf(userId, partitions));
    }
}
