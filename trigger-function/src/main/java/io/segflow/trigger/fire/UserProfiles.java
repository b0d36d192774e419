package io.segflow.trigger.fire;

import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.core.profile.Scoring;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.redis.ScoringCodec;
import io.segflow.core.state.Partitioning;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Users' records as segment-function stores them: event and threshold triggers read the profile (counts, windows,
 * traits, memberships) from here, under the user's partition of {@code segflow.events}.
 */
@ApplicationScoped
public class UserProfiles {
    private final RedisDataSource redis;
    private volatile int partitions;

    UserProfiles(RedisDataSource redis) {
        this.redis = redis;
    }

    /** The user's record; an empty one while segment-function has stored none. */
    public UserRecord record(String userId) {
        byte[] stored = stored(userId);
        return stored == null ? UserRecord.empty(userId) : UserRecordCodec.decode(userId, stored);
    }

    /** Whether segment-function stores a profile of its own under the id: a record, and not a forward. */
    public boolean isLiveProfile(String id) {
        byte[] stored = stored(id);
        return stored != null && !UserRecordCodec.decode(id, stored).isForward();
    }

    private byte[] stored(String id) {
        int count = partitions();
        return count == 0 ? null : redis.value(byte[].class).get(RedisKeys.user(Partitioning.partitionOf(id, count), id));
    }

    /** Whether the record already accounts for the event (segment-function applied it): its messageId is remembered. */
    public static boolean includes(UserRecord record, String messageId, long now) {
        return messageId != null && record.recent().checkAndRemember(messageId, now, 25 * 3_600_000L);
    }

    public Scoring scoring() {
        return ScoringCodec.read(redis.value(String.class).get(RedisKeys.SCORING));
    }

    private int partitions() {
        if (partitions == 0) {
            String stored = redis.value(String.class).get(RedisKeys.EVENT_PARTITIONS);
            if (stored != null) {
                partitions = Integer.parseInt(stored.trim());
            }
        }
        return partitions;
    }
}
