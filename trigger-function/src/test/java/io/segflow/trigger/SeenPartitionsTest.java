package io.segflow.trigger;

import static io.segflow.trigger.Changes.change;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segflow.core.Topics;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class SeenPartitionsTest {
    private static final TopicPartition P0 = new TopicPartition(Topics.SEGMENT_CHANGES, 0);
    private static final TopicPartition P1 = new TopicPartition(Topics.SEGMENT_CHANGES, 1);

    private final SeenPartitions partitions = new SeenPartitions(config(1_000));

    @Test
    void aPartitionMovingAwayOrBackStartsWithNothingSeen() {
        partitions.of(P0).firstSeen(change("u1", "vip", 5));
        partitions.of(P1).firstSeen(change("u2", "vip", 5));

        partitions.onPartitionsRevoked(null, List.of(P0));
        assertThat(partitions.of(P0).firstSeen(change("u1", "vip", 1))).as("u1 erased and restarted elsewhere meanwhile").isTrue();
        assertThat(partitions.of(P1).firstSeen(change("u2", "vip", 5))).isFalse();

        partitions.onPartitionsAssigned(null, List.of(P1));
        assertThat(partitions.of(P1).firstSeen(change("u2", "vip", 5))).isTrue();
    }

    @Test
    void aBoundBelowOneUserPerPartitionStopsTheStart() {
        assertThatThrownBy(() -> new SeenPartitions(config(0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("segflow.trigger.dedupe.users-per-partition");
    }

    static TriggerConfig config(int usersPerPartition) {
        return new TriggerConfig() {
            @Override
            public Dedupe dedupe() {
                return () -> usersPerPartition;
            }

            @Override
            public Optional<String> instanceId() {
                return Optional.empty();
            }

            @Override
            public Map<String, String> producer() {
                return Map.of();
            }

            @Override
            public Deliveries deliveries() {
                throw new UnsupportedOperationException("not read by the dedupe");
            }

            @Override
            public Endpoints endpoints() {
                throw new UnsupportedOperationException("not read by the dedupe");
            }

            @Override
            public RedisReplicas redisReplicas() {
                throw new UnsupportedOperationException("not read by the dedupe");
            }
        };
    }
}
