package io.segflow.segment.apply;

import io.segflow.core.state.UserRecord;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The users of the owned partitions kept in memory, least recently used evicted first. Every record here equals
 * what Redis holds once a poll is flushed, so evicting one loses nothing: the next event of that user reads it back.
 */
public final class UserCache {
    private final int capacity;
    private final LinkedHashMap<String, UserRecord> users;

    public UserCache(int capacity) {
        this.capacity = capacity;
        this.users = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, UserRecord> eldest) {
                return size() > UserCache.this.capacity;
            }
        };
    }

    public UserRecord get(String userId) {
        return users.get(userId);
    }

    public void put(UserRecord record) {
        users.put(record.userId(), record);
    }

    public void remove(String userId) {
        users.remove(userId);
    }

    /** Drops every user of one partition (revoked, or reset after a failure). */
    public void removePartition(int partition, java.util.function.ToIntFunction<String> partitionOf) {
        users.keySet().removeIf(user -> partitionOf.applyAsInt(user) == partition);
    }

    public int size() {
        return users.size();
    }
}
