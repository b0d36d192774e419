package io.segflow.segment.apply;

import io.segflow.core.state.RecentMessages;
import io.segflow.core.state.UserRecord;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The users of the owned partitions kept in memory, least recently used evicted first. Every record here equals
 * what Redis holds once a poll is flushed, so evicting one loses nothing: the next event of that user reads it back.
 */
public final class UserCache {
    private final int capacity;
    /**
     * Keyed by a 64-bit mix of the user id, not the id: ids that differ only in their digits ({@code shop-1234})
     * crowd String.hashCode's buckets until HashMap turns them into trees, and a lookup costs string comparisons.
     * A record whose id is not the one asked for (a 64-bit collision) is a miss.
     */
    private final LinkedHashMap<Long, UserRecord> users;

    public UserCache(int capacity) {
        this.capacity = capacity;
        this.users = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, UserRecord> eldest) {
                return size() > UserCache.this.capacity;
            }
        };
    }

    public UserRecord get(String userId) {
        UserRecord record = users.get(key(userId));
        return record != null && record.userId().equals(userId) ? record : null;
    }

    public void put(UserRecord record) {
        users.put(key(record.userId()), record);
    }

    public void remove(String userId) {
        Long key = key(userId);
        UserRecord record = users.get(key);
        if (record != null && record.userId().equals(userId)) {
            users.remove(key);
        }
    }

    /** Drops every user of one partition (revoked, or reset after a failure). */
    public void removePartition(int partition, java.util.function.ToIntFunction<String> partitionOf) {
        users.values().removeIf(record -> partitionOf.applyAsInt(record.userId()) == partition);
    }

    /** The same well-spread 64-bit hash the user records keep messageIds by. */
    static long key(String userId) {
        return RecentMessages.hash(userId);
    }

    public int size() {
        return users.size();
    }
}
