package io.segflow.segment.apply;

import io.segflow.core.state.RecentMessages;
import java.util.Arrays;
import java.util.function.ToIntFunction;

/**
 * The users of the owned partitions kept in memory, as their stored bytes ({@link io.segflow.core.state.UserRecordCodec}):
 * a round decodes the users it touches and encodes those it changed anyway to write them, so keeping the bytes costs
 * one decode per user and round, while a cache of decoded profiles would hold ten times the memory in long-lived
 * objects that every event replaces parts of (the collector's work). Every value here equals what Redis holds once a
 * poll is flushed, so evicting one loses nothing: the next event of that user reads it back.
 *
 * <p>Laid out for a cache of a hundred thousand users that every event looks up three times (is it in memory, its
 * value, its new value): an open-addressing table of primitive keys, and eviction by the clock (second chance), which
 * marks a use with one byte where a least-recently-used list relinks long-lived nodes on every lookup, each relink
 * a write the collector's barriers then track. A user put in memory for the first time is the first to leave it
 * unless a later round uses it again, so a wave of users seen once does not push out the regular ones.
 *
 * <p>Buffers are reused: a user's new value is copied into the buffer its entry already has when it fits (buffers
 * get a quarter of headroom), and a user new to memory takes the entry and buffer of one evicted or removed before.
 * Entries live for minutes, longer than the young generation: a new array per update or per user would be copied
 * by each young collection until old enough to be promoted, which made most of a young pause's copying.
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
    /** Removed entries that keep their buffer for the next new users, at most: a second's worth at a busy rate. */
    private static final int SPARE_BUFFERS = 4096;

    private final int capacity;
    /**
     * Linear probing, at most half full: slot {@code i} holds a user's key at {@code 2i} and its entry's index plus
     * one at {@code 2i + 1} (0: the slot is empty). Keyed by a 64-bit mix of the user id, not the id: ids that differ
     * only in their digits ({@code shop-1234}) crowd String.hashCode's buckets, and a lookup then compares strings.
     */
    private final long[] table;
    private final int mask;
    /** By entry index: the entry (its buffer kept once its user leaves), its user's key, whether used since the hand passed. */
    private final Stored[] entries;
    private final long[] keys;
    private final byte[] used;
    /** Entry indexes without a user (removed), to be taken before any other. */
    private final int[] free;
    private int freeCount;
    /** Entries ever given a user: those past it have never been used. */
    private int highWater;
    /** The clock's hand: the next entry eviction looks at. */
    private int hand;

    public UserCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a cache of users holds at least one, not " + capacity);
        }
        this.capacity = capacity;
        int slots = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1) * 2; // a power of two, at least twice the capacity
        this.table = new long[2 * slots];
        this.mask = slots - 1;
        this.entries = new Stored[capacity];
        this.keys = new long[capacity];
        this.used = new byte[capacity];
        this.free = new int[capacity];
    }

    /** A buffer for a value of this length, with room for the value to grow a little. */
    static int capacityFor(int length) {
        return length + Math.max(MIN_HEADROOM, length / 4);
    }

    /** The user's stored value, or null when it is not in memory: for the round that decodes it at once. */
    Stored get(String userId) {
        int index = indexOf(userId);
        if (index < 0) {
            return null;
        }
        used[index] = 1;
        return entries[index];
    }

    /** A copy of the user's stored value, or null when it is not in memory. */
    public byte[] valueOf(String userId) {
        int index = indexOf(userId);
        return index < 0 ? null : Arrays.copyOf(entries[index].buffer, entries[index].length);
    }

    /**
     * Whether memory holds the user, without counting it as a use. A 64-bit collision answers yes for a user memory
     * does not hold; {@link #get} then tells, and the caller reads the user from Redis after all.
     */
    public boolean contains(String userId) {
        return slotOf(key(userId)) >= 0;
    }

    /** Keeps a copy of the value: the caller may reuse its array. */
    public void put(String userId, byte[] value) {
        long key = key(userId);
        int slot = slotOf(key);
        if (slot >= 0) { // the user, or a 64-bit collision's entry, which the user takes over
            int index = (int) table[2 * slot + 1] - 1;
            Stored entry = entries[index];
            if (!userId.equals(entry.userId)) {
                // Only a collision's entry changes hands: the caller's id is a new string each round, and storing it
                // in this long-lived entry would keep it past the young collection and mark the entry's card dirty.
                entry.userId = userId;
            }
            entry.store(value);
            used[index] = 1;
            return;
        }
        int index = takeEntry();
        Stored entry = entries[index];
        if (entry == null) {
            entry = entries[index] = new Stored();
        }
        entry.userId = userId;
        entry.store(value);
        keys[index] = key;
        used[index] = 0;
        insert(key, index);
    }

    public void remove(String userId) {
        int index = indexOf(userId);
        if (index >= 0) {
            release(index);
        }
    }

    /** Drops every user of one partition (revoked, or reset after a failure). */
    public void removePartition(int partition, ToIntFunction<String> partitionOf) {
        for (int index = 0; index < highWater; index++) {
            String userId = entries[index].userId;
            if (userId != null && partitionOf.applyAsInt(userId) == partition) {
                release(index);
            }
        }
    }

    /** The same well-spread 64-bit hash the user records keep messageIds by. */
    static long key(String userId) {
        return RecentMessages.hash(userId);
    }

    /** Entries ever given a user, but for those removed since: an evicted one is given to the next user at once. */
    public int size() {
        return highWater - freeCount;
    }

    /** The entry of this very user (not of a 64-bit collision), or -1. */
    private int indexOf(String userId) {
        int slot = slotOf(key(userId));
        if (slot < 0) {
            return -1;
        }
        int index = (int) table[2 * slot + 1] - 1;
        return userId.equals(entries[index].userId) ? index : -1;
    }

    private int slotOf(long key) {
        for (int slot = (int) key & mask; table[2 * slot + 1] != 0; slot = (slot + 1) & mask) {
            if (table[2 * slot] == key) {
                return slot;
            }
        }
        return -1;
    }

    private void insert(long key, int index) {
        int slot = (int) key & mask;
        while (table[2 * slot + 1] != 0) {
            slot = (slot + 1) & mask;
        }
        table[2 * slot] = key;
        table[2 * slot + 1] = index + 1;
    }

    /** An entry for a user new to memory: a removed one's, a never used one, else the clock's victim. */
    private int takeEntry() {
        if (freeCount > 0) {
            return free[--freeCount];
        }
        if (highWater < capacity) {
            return highWater++;
        }
        while (used[hand] != 0) { // every entry is in use here: a second chance for those used since the last pass
            used[hand] = 0;
            hand = hand + 1 == capacity ? 0 : hand + 1;
        }
        int victim = hand;
        hand = hand + 1 == capacity ? 0 : hand + 1;
        deleteSlot(slotOf(keys[victim]));
        return victim;
    }

    private void release(int index) {
        deleteSlot(slotOf(keys[index]));
        Stored entry = entries[index];
        entry.userId = null;
        if (freeCount >= SPARE_BUFFERS) {
            entry.buffer = null; // memory shrinks after a revocation, beyond the buffers new users take soon
        }
        free[freeCount++] = index;
    }

    /** Empties a slot, moving back the entries after it that would no longer be found past the gap. */
    private void deleteSlot(int slot) {
        int gap = slot;
        for (int next = (gap + 1) & mask; table[2 * next + 1] != 0; next = (next + 1) & mask) {
            int home = (int) table[2 * next] & mask;
            boolean homeAfterGap = gap <= next ? gap < home && home <= next : gap < home || home <= next;
            if (!homeAfterGap) {
                table[2 * gap] = table[2 * next];
                table[2 * gap + 1] = table[2 * next + 1];
                gap = next;
            }
        }
        table[2 * gap] = 0;
        table[2 * gap + 1] = 0;
    }
}
