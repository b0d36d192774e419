package io.segflow.api.users;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.value.ValueCommands;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.state.Partitioning;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Finds a user's stored record: segment-function keeps it under the partition of {@code segflow.events} the user's
 * events go to, for the partition count it recorded in Redis. Without that count no user has state yet.
 */
@ApplicationScoped
public class UserRecords {
    private static final int UNKNOWN = 0;

    private final ValueCommands<String, byte[]> records;
    private final ValueCommands<String, String> text;
    /** Read once: users would move between partitions if the count changed, so it never does while data exists. */
    private volatile int partitions = UNKNOWN;

    UserRecords(RedisDataSource redis) {
        this.records = redis.value(byte[].class);
        this.text = redis.value(String.class);
    }

    /** The record as {@code io.segflow.core.state.UserRecordCodec} encoded it, or null for a user without state. */
    public byte[] read(String userId) {
        int count = partitions();
        return count == UNKNOWN ? null : records.get(RedisKeys.user(Partitioning.partitionOf(userId, count), userId));
    }

    /** The partition count of {@code segflow.events} the state is laid out for; 0 while no segment-function recorded it. */
    public int partitions() {
        if (partitions == UNKNOWN) {
            String stored = text.get(RedisKeys.EVENT_PARTITIONS);
            if (stored != null) {
                int count = Integer.parseInt(stored.trim());
                if (count < 1) {
                    throw new IllegalStateException(RedisKeys.EVENT_PARTITIONS + " holds " + count + ", not a partition count");
                }
                partitions = count;
            }
        }
        return partitions;
    }
}
