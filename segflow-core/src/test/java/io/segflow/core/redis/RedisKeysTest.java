package io.segflow.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Redis Cluster hashes only a key's hash tag (the first {…}): what must share a slot shares the tag. */
class RedisKeysTest {

    @Test
    void everyKeyOfAPartitionSharesItsHashTag() {
        List<String> keys = List.of(RedisKeys.user(3, "u1"), RedisKeys.partitionState(3), RedisKeys.schedule(3),
                RedisKeys.users(3), RedisKeys.changes(3));

        assertThat(keys).allMatch(key -> hashTag(key).equals("p3")).doesNotHaveDuplicates();
        assertThat(hashTag(RedisKeys.user(4, "u1"))).isEqualTo("p4");
    }

    @Test
    void aUserIdWithBracesStaysInItsPartitionsSlot() {
        assertThat(hashTag(RedisKeys.user(7, "{evil}"))).isEqualTo("p7");
        assertThat(RedisKeys.user(7, "{evil}")).endsWith(":u:{evil}");
    }

    @Test
    void catalogKeysShareOneTag() {
        assertThat(List.of(RedisKeys.SEGMENTS, RedisKeys.SCORING, RedisKeys.SEGMENTS_REVISION, RedisKeys.EVENT_PARTITIONS))
                .allMatch(key -> hashTag(key).equals("segments"));
    }

    @Test
    void aSegmentsMembersAreIndexedInTheSlotOfTheirPartitionWhateverTheSegmentIdHolds() {
        assertThat(hashTag(RedisKeys.segmentMembers(3, "vip"))).isEqualTo("p3");
        assertThat(hashTag(RedisKeys.segmentMembers(3, "{vip}"))).isEqualTo("p3");
        assertThat(RedisKeys.segmentMembers(3, "vip")).isNotEqualTo(RedisKeys.segmentMembers(4, "vip"));
    }

    /** The part of the key Redis Cluster hashes, as CLUSTER KEYSLOT picks it. */
    private static String hashTag(String key) {
        int open = key.indexOf('{');
        int close = open < 0 ? -1 : key.indexOf('}', open + 1);
        return close > open + 1 ? key.substring(open + 1, close) : key;
    }
}
