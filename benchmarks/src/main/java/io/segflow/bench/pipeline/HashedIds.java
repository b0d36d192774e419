package io.segflow.bench.pipeline;

import io.segflow.core.state.RecentMessages;
import java.util.Arrays;

/**
 * A set of ids kept as 64-bit hashes in one open-addressed array: the generator remembers every change it saw (to
 * count duplicates) and every user a backfill moved, hundreds of thousands a run, without an object per entry. Objects
 * kept for the whole run would make each of its young collections copy them, and its pauses, which delay the changes it
 * is measuring, grow through the window. Two ids with the same hash count as one: for a million ids, a chance of about
 * 3 in 10^8 per run.
 */
final class HashedIds {
    private static final long EMPTY = 0;
    private long[] slots = new long[1 << 16];
    private int size;

    /** Adds the id; false if it (or an id with the same hash) was there. */
    synchronized boolean add(String id) {
        return addHash(RecentMessages.hash(id));
    }

    /** Adds a change's (user, version); false if it was there. */
    synchronized boolean add(String userId, long version) {
        return addHash(mix(RecentMessages.hash(userId) ^ version * 0x9E3779B97F4A7C15L));
    }

    synchronized int size() {
        return size;
    }

    private boolean addHash(long hash) {
        long key = hash == EMPTY ? 1 : hash;
        if (size * 2 >= slots.length) {
            grow();
        }
        int mask = slots.length - 1;
        for (int i = (int) key & mask; ; i = (i + 1) & mask) {
            if (slots[i] == key) {
                return false;
            }
            if (slots[i] == EMPTY) {
                slots[i] = key;
                size++;
                return true;
            }
        }
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        size = 0;
        Arrays.stream(old).filter(key -> key != EMPTY).forEach(this::addHash);
    }

    /** MurmurHash3's 64-bit finalizer: the version's bits reach every bit of the key. */
    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ h >>> 33;
    }
}
