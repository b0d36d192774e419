package io.segflow.trigger;

import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Identifier;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.trigger.fire.OwnedShards;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;
import jakarta.inject.Inject;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * One {@link SeenVersions} per partition this instance consumes. A partition's versions are dropped when it is
 * assigned or revoked: while another instance owned it, a user may have been erased and started its versions
 * again, and stale versions would then swallow new changes. Forgetting only lets a duplicate through.
 * Rebalance callbacks run on the consumer's polling thread, hence the concurrent map.
 */
@Startup // checks the settings at startup
@ApplicationScoped
@Default // also injected by its type, besides the name the connector looks it up by
@Identifier(SeenPartitions.REBALANCE_LISTENER)
public class SeenPartitions implements KafkaConsumerRebalanceListener {
    /** Named by {@code mp.messaging.incoming.segment-changes.consumer-rebalance-listener.name}. */
    static final String REBALANCE_LISTENER = "segment-changes-rebalance";

    private final Map<TopicPartition, SeenVersions> partitions = new ConcurrentHashMap<>();
    private final int usersPerPartition;
    private final OwnedShards shards;

    SeenPartitions(TriggerConfig config) {
        this(config, new OwnedShards());
    }

    /** Also tells {@code shards} which partitions' firing schedules this instance now works off. */
    @Inject
    SeenPartitions(TriggerConfig config, OwnedShards shards) {
        this.shards = shards;
        this.usersPerPartition = config.dedupe().usersPerPartition();
        if (usersPerPartition < 1) {
            throw new IllegalArgumentException("segflow.trigger.dedupe.users-per-partition must be at least 1, was "
                    + usersPerPartition);
        }
    }

    SeenVersions of(TopicPartition partition) {
        return partitions.computeIfAbsent(partition, p -> new SeenVersions(usersPerPartition));
    }

    /** Forgets the partitions' versions; a batch that failed leaves them unsure, so they are not trusted again. */
    void forget(Collection<TopicPartition> forgotten) {
        forgotten.forEach(partitions::remove);
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> assigned) {
        forget(assigned);
        assigned.forEach(p -> shards.add(TriggerKeys.changesShard(p.partition())));
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> revoked) {
        forget(revoked);
        revoked.forEach(p -> shards.remove(TriggerKeys.changesShard(p.partition())));
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> lost) {
        forget(lost);
        lost.forEach(p -> shards.remove(TriggerKeys.changesShard(p.partition())));
    }
}
