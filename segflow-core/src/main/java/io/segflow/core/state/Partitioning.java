package io.segflow.core.state;

import java.nio.charset.StandardCharsets;

/**
 * The partition of {@code segflow.events} a user's events go to: Kafka's default partitioner for a keyed record
 * (murmur2 of the key's UTF-8 bytes, made positive, modulo the partition count). A user's state lives under its
 * partition's hash tag, so whoever owns the partition owns the user, and readers find it by the same function.
 */
public final class Partitioning {
    private Partitioning() {
    }

    public static int partitionOf(String userId, int partitions) {
        return (murmur2(userId.getBytes(StandardCharsets.UTF_8)) & 0x7fffffff) % partitions;
    }

    /** MurmurHash2, 32-bit, with Kafka's seed: must agree with the producer's partitioner byte for byte. */
    static int murmur2(byte[] data) {
        final int m = 0x5bd1e995;
        final int r = 24;
        int length = data.length;
        int h = 0x9747b28c ^ length;
        int blocks = length / 4;
        for (int i = 0; i < blocks; i++) {
            int at = i * 4;
            int k = (data[at] & 0xff) | ((data[at + 1] & 0xff) << 8) | ((data[at + 2] & 0xff) << 16) | ((data[at + 3] & 0xff) << 24);
            k *= m;
            k ^= k >>> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        int tail = blocks * 4;
        switch (length % 4) {
            case 3:
                h ^= (data[tail + 2] & 0xff) << 16;
            case 2:
                h ^= (data[tail + 1] & 0xff) << 8;
            case 1:
                h ^= data[tail] & 0xff;
                h *= m;
            default:
                break;
        }
        h ^= h >>> 13;
        h *= m;
        h ^= h >>> 15;
        return h;
    }
}
