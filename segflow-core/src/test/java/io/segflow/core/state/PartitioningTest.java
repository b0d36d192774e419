package io.segflow.core.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * A user's state is kept under the partition its events go to, so {@link Partitioning} must agree with the
 * producer's default partitioner for every key: checked against kafka-clients itself.
 */
class PartitioningTest {
    private static final int[] PARTITION_COUNTS = {1, 2, 3, 12, 16, 100, 1_000, 7_919};

    @Test
    void murmur2AgreesWithKafkaForEveryKeyLength() {
        for (String key : keys()) {
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);

            assertThat(Partitioning.murmur2(bytes)).as("'%s' (%d bytes)", key, bytes.length).isEqualTo(Utils.murmur2(bytes));
        }
    }

    @Test
    void partitionsAgreeWithTheProducersDefaultPartitioner() {
        for (String key : keys()) {
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            for (int partitions : PARTITION_COUNTS) {
                int expected = BuiltInPartitioner.partitionForKey(bytes, partitions);

                assertThat(Partitioning.partitionOf(key, partitions)).as("'%s' over %d", key, partitions).isEqualTo(expected);
                assertThat(expected).isEqualTo(Utils.toPositive(Utils.murmur2(bytes)) % partitions);
            }
        }
    }

    @Test
    void keysWhoseHashIsNegativeStillGetAPartitionInRange() {
        long negative = keys().stream()
                .filter(key -> Utils.murmur2(key.getBytes(StandardCharsets.UTF_8)) < 0)
                .peek(key -> assertThat(Partitioning.partitionOf(key, 16)).isBetween(0, 15))
                .count();

        assertThat(negative).as("the sample covers negative hashes").isGreaterThan(100);
    }

    /** Empty, ASCII, 2-, 3- and 4-byte UTF-8 characters, at every length modulo 4 (murmur2's tail cases). */
    private static List<String> keys() {
        List<String> keys = new ArrayList<>(List.of("", "a", "ab", "abc", "abcd", "u1", "user-42", "café", "日本",
                "😀", "ü😀ß", "anonymous:3f2c9a1e-8b7d-4c6e-9f0a-1b2c3d4e5f60"));
        Random random = new Random(7);
        String[] alphabet = {"a", "Z", "0", "-", ":", "é", "ß", "中", "語", "😀", "🚀"};
        for (int i = 0; i < 2_000; i++) {
            StringBuilder key = new StringBuilder();
            int length = random.nextInt(40);
            for (int c = 0; c < length; c++) {
                key.append(alphabet[random.nextInt(alphabet.length)]);
            }
            keys.add(key.toString());
        }
        return keys;
    }
}
