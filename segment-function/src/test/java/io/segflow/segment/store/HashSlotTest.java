package io.segflow.segment.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.redis.RedisKeys;
import org.junit.jupiter.api.Test;

/** The slots a cluster pipeline is grouped by must be Redis Cluster's own (its specification's examples). */
class HashSlotTest {

    @Test
    void aKeyWithoutHashTagHashesWhole() {
        assertThat(HashSlot.of("123456789")).isEqualTo(0x31C3 % HashSlot.SLOTS);
        assertThat(HashSlot.of("foo")).isEqualTo(12182);
    }

    @Test
    void onlyTheFirstNonEmptyHashTagCounts() {
        assertThat(HashSlot.of("{user1000}.following")).isEqualTo(HashSlot.of("user1000"));
        assertThat(HashSlot.of("foo{bar}{zap}")).isEqualTo(HashSlot.of("bar"));
        assertThat(HashSlot.of("foo{}{bar}")).isNotEqualTo(HashSlot.of("bar"));
    }

    @Test
    void everyKeyOfAPartitionSharesOneSlot() {
        int slot = HashSlot.of(RedisKeys.partitionState(7));
        assertThat(HashSlot.of(RedisKeys.user(7, "u-{odd}-id"))).isEqualTo(slot);
        assertThat(HashSlot.of(RedisKeys.schedule(7))).isEqualTo(slot);
        assertThat(HashSlot.of(RedisKeys.users(7))).isEqualTo(slot);
        assertThat(HashSlot.of(RedisKeys.changes(7))).isEqualTo(slot);
        assertThat(HashSlot.of(RedisKeys.partitionState(8))).isNotEqualTo(slot);
    }
}
