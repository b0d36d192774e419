package io.segflow.segment.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.junit.jupiter.api.Test;

class GroupOffsetsTest {
    private static final long INTERVAL = GroupOffsets.COMMIT_INTERVAL.toNanos();

    private final GroupOffsets offsets = new GroupOffsets();
    private final List<Map<TopicPartition, OffsetAndMetadata>> commits = new ArrayList<>();
    private final List<OffsetCommitCallback> callbacks = new ArrayList<>();

    private void commitIfDue(long nowNanos, int... owned) {
        offsets.commitIfDue(nowNanos, (committed, callback) -> {
            commits.add(committed);
            callbacks.add(callback);
        }, partition -> java.util.Arrays.stream(owned).anyMatch(p -> p == partition));
    }

    private static TopicPartition events(int partition) {
        return new TopicPartition(Topics.EVENTS, partition);
    }

    @Test
    void theLatestStoredOffsetsAreCommittedAtMostOncePerInterval() {
        long start = System.nanoTime();
        offsets.stored(0, 10);
        offsets.stored(0, 12);
        commitIfDue(start, 0);
        offsets.stored(1, 5);
        commitIfDue(start + INTERVAL / 2, 0, 1);
        commitIfDue(start + INTERVAL, 0, 1);
        commitIfDue(start + 3 * INTERVAL, 0, 1);

        assertThat(commits).containsExactly(
                Map.of(events(0), new OffsetAndMetadata(12)),
                Map.of(events(1), new OffsetAndMetadata(5)));
    }

    @Test
    void aFailedCommitGoesAgainForThePartitionsStillOwnedUnlessALaterOffsetWaits() {
        long start = System.nanoTime();
        offsets.stored(0, 10);
        offsets.stored(1, 20);
        offsets.stored(2, 30);
        commitIfDue(start, 0, 1);
        offsets.stored(1, 25);

        callbacks.getFirst().onComplete(null, new RebalanceInProgressException("rebalancing"));
        commitIfDue(start + INTERVAL, 0, 1);

        assertThat(commits.getLast()).as("partition 2 left; partition 1 has a later offset")
                .isEqualTo(Map.of(events(0), new OffsetAndMetadata(10), events(1), new OffsetAndMetadata(25)));
    }

    @Test
    void aPartitionThatLeftIsNotCommittedByThisInstance() {
        offsets.stored(0, 10);
        offsets.stored(1, 20);
        offsets.forget(events(1));
        commitIfDue(System.nanoTime(), 0);

        assertThat(commits).containsExactly(Map.of(events(0), new OffsetAndMetadata(10)));
    }
}
