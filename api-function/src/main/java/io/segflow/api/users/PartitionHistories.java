package io.segflow.api.users;

import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.core.history.PartitionHistory;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.state.Partitioning;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Which event properties profiles keep in a user's partition, and which are being replayed, as segment-function
 * recorded it (see docs/engine.md, history replay): a profile's values of any other property are not current.
 */
@ApplicationScoped
public class PartitionHistories {
    private final RedisDataSource redis;
    private final UserRecords records;

    PartitionHistories(RedisDataSource redis, UserRecords records) {
        this.redis = redis;
        this.records = records;
    }

    /** The history of the partition the user's events go to; none while no segment-function recorded a partition count. */
    public PartitionHistory of(String userId) {
        int partitions = records.partitions();
        if (partitions == 0) {
            return PartitionHistory.NONE;
        }
        return PartitionHistory.decode(redis.hash(String.class)
                .hget(RedisKeys.partitionState(Partitioning.partitionOf(userId, partitions)), RedisKeys.HISTORY_FIELD));
    }
}
