package io.segflow.segment.apply;

import io.segflow.core.state.RecentMessages;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The users of the owned partitions kept in memory, least recently used evicted first, as their stored bytes
 * ({@link io.segflow.core.state.UserRecordCodec}): a round decodes the users it touches and encodes those it changed
 * anyway to write them, so keeping the bytes costs one decode per user and round, while a cache of decoded profiles
 * would hold ten times the memory in long-lived objects that every event replaces parts of (the collector's work).
 * Every value here equals what Redis holds once a poll is flushed, so evicting one loses nothing: the next event of
 * that user reads it back.
 */
public final class UserCache {
    /** A cached user: its id (to tell a 64-bit collision from a hit) and its stored value. */
    private record Cached(String userId, byte[] value) {
    }

    private final int capacity;
    /**
     * Keyed by a 64-bit mix of the user id, not the id: ids that differ only in their digits ({@code shop-1234})
     * crowd String.hashCode's buckets until HashMap turns them into trees, and a lookup costs string comparisons.
     * An entry whose id is not the one asked for (a 64-bit collision) is a miss.
     */
    private final LinkedHashMap<Long, Cached> users;

    public UserCache(int capacity) {
        this.capacity = capacity;
        this.users = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Cached> eldest) {
                return size() > UserCache.this.capacity;
            }
        };
    }

    /** The user's stored value, or null when it is not in memory. */
    public byte[] get(String userId) {
        Cached entry = users.get(key(userId));
        return entry != null && entry.userId().equals(userId) ? entry.value() : null;
    }

    /**
     * Whether memory holds the user, without making it the most recently used. A 64-bit collision answers yes for a
     * user memory does not hold; {@link #get} then tells, and the caller reads the user from Redis after all.
     */
    public boolean contains(String userId) {
        return users.containsKey(key(userId));
    }

    public void put(String userId, byte[] value) {
        users.put(key(userId), new Cached(userId, value));
    }

    public void remove(String userId) {
        Long key = key(userId);
        Cached entry = users.get(key);
        if (entry != null && entry.userId().equals(userId)) {
            users.remove(key);
        }
    }

    /** Drops every user of one partition (revoked, or reset after a failure). */
    public void removePartition(int partition, ToIntFunction<String> partitionOf) {
        users.values().removeIf(entry -> partitionOf.applyAsInt(entry.userId()) == partition);
    }

    /** The same well-spread 64-bit hash the user records keep messageIds by. */
    static long key(String userId) {
        return RecentMessages.hash(userId);
    }

    public int size() {
        return users.size();
    }
}
