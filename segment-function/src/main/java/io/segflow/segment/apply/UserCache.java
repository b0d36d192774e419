package io.segflow.segment.apply;

import io.segflow.core.state.RecentMessages;
import java.util.ArrayDeque;
import java.util.Arrays;
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
 *
 * <p>Buffers are reused: a user's new value is copied into the buffer its entry already has when it fits (buffers
 * get a quarter of headroom), and a user new to memory takes the entry and buffer of one evicted before. Entries live
 * for minutes, longer than the young generation: a new array per update or per user would be copied by each young
 * collection until old enough to be promoted, which made most of a young pause's copying.
 */
public final class UserCache {
    /** A cached user: its id (to tell a 64-bit collision from a hit) and its stored value, the buffer's first bytes. */
    static final class Stored {
        private String userId;
        private byte[] buffer;
        private int length;

        /** The buffer that holds the value: only its first {@link #length()} bytes, until the user's next put. */
        byte[] buffer() {
            return buffer;
        }

        int length() {
            return length;
        }

        private void store(byte[] value) {
            if (buffer == null || buffer.length < value.length || buffer.length > 4 * value.length + SHRINK_ABOVE) {
                buffer = new byte[capacityFor(value.length)];
            }
            System.arraycopy(value, 0, buffer, 0, value.length);
            length = value.length;
        }
    }

    private static final int MIN_HEADROOM = 32;
    /** A buffer is given up for a smaller one only when it is this much larger than four times its value. */
    private static final int SHRINK_ABOVE = 1024;
    /** Evicted entries kept for new users, at most: a second's worth of new users at a busy instance's rate. */
    private static final int SPARE_ENTRIES = 4096;

    private final int capacity;
    /**
     * Keyed by a 64-bit mix of the user id, not the id: ids that differ only in their digits ({@code shop-1234})
     * crowd String.hashCode's buckets until HashMap turns them into trees, and a lookup costs string comparisons.
     * An entry whose id is not the one asked for (a 64-bit collision) is a miss.
     */
    private final LinkedHashMap<Long, Stored> users;
    private final ArrayDeque<Stored> spare = new ArrayDeque<>();

    public UserCache(int capacity) {
        this.capacity = capacity;
        this.users = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Stored> eldest) {
                if (size() <= UserCache.this.capacity) {
                    return false;
                }
                if (spare.size() < SPARE_ENTRIES) {
                    spare.push(eldest.getValue());
                }
                return true;
            }
        };
    }

    /** A buffer for a value of this length, with room for the value to grow a little. */
    static int capacityFor(int length) {
        return length + Math.max(MIN_HEADROOM, length / 4);
    }

    /** The user's stored value, or null when it is not in memory: for the round that decodes it at once. */
    Stored get(String userId) {
        Stored entry = users.get(key(userId));
        return entry != null && entry.userId.equals(userId) ? entry : null;
    }

    /** A copy of the user's stored value, or null when it is not in memory. */
    public byte[] valueOf(String userId) {
        Stored entry = get(userId);
        return entry == null ? null : Arrays.copyOf(entry.buffer, entry.length);
    }

    /**
     * Whether memory holds the user, without making it the most recently used. A 64-bit collision answers yes for a
     * user memory does not hold; {@link #get} then tells, and the caller reads the user from Redis after all.
     */
    public boolean contains(String userId) {
        return users.containsKey(key(userId));
    }

    /** Keeps a copy of the value: the caller may reuse its array. */
    public void put(String userId, byte[] value) {
        Long key = key(userId);
        Stored entry = users.get(key);
        if (entry != null && entry.userId.equals(userId)) {
            entry.store(value);
            return;
        }
        Stored fresh = spare.isEmpty() ? new Stored() : spare.pop(); // the map evicts once this one is in
        fresh.userId = userId;
        fresh.store(value);
        users.put(key, fresh); // replaces a 64-bit collision's entry, if any
    }

    public void remove(String userId) {
        Long key = key(userId);
        Stored entry = users.get(key);
        if (entry != null && entry.userId.equals(userId)) {
            users.remove(key);
        }
    }

    /** Drops every user of one partition (revoked, or reset after a failure). */
    public void removePartition(int partition, ToIntFunction<String> partitionOf) {
        users.values().removeIf(entry -> partitionOf.applyAsInt(entry.userId) == partition);
    }

    /** The same well-spread 64-bit hash the user records keep messageIds by. */
    static long key(String userId) {
        return RecentMessages.hash(userId);
    }

    public int size() {
        return users.size();
    }
}
