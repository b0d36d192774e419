package io.segflow.segment.consume;

import io.segflow.core.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.IntPredicate;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * The stored offsets, committed to the consumer group for lag monitoring and autoscaling. They are not what a new
 * owner starts from (that is the offset stored in Redis with the state), so they are committed asynchronously and at
 * most every {@link #COMMIT_INTERVAL}: a commit per round would be a broker request per round.
 */
final class GroupOffsets {
    private static final Logger LOG = Logger.getLogger(GroupOffsets.class);
    /** How stale the committed offsets may be. */
    static final Duration COMMIT_INTERVAL = Duration.ofMillis(200);

    private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
    private long lastCommitNanos = System.nanoTime() - COMMIT_INTERVAL.toNanos();

    /** A round stored the partition's events up to {@code nextOffset}. */
    void stored(int partition, long nextOffset) {
        uncommitted.put(new TopicPartition(Topics.EVENTS, partition), new OffsetAndMetadata(nextOffset));
    }

    /** The partition left this instance: its next owner commits its offsets. */
    void forget(TopicPartition partition) {
        uncommitted.remove(partition);
    }

    void clear() {
        uncommitted.clear();
    }

    /**
     * Commits what was stored since the last commit, if that was {@link #COMMIT_INTERVAL} ago. A commit that fails
     * (during a rebalance, say) goes again with the next one for the partitions still {@code owned}, unless a later
     * offset waits already: a quiet partition's group lag, which autoscalers read, must still come back to 0.
     *
     * @param commitAsync the consumer's {@code commitAsync}; its callback runs inside a later poll, on the loop thread
     */
    void commitIfDue(long nowNanos, BiConsumer<Map<TopicPartition, OffsetAndMetadata>, OffsetCommitCallback> commitAsync,
                     IntPredicate owned) {
        if (uncommitted.isEmpty() || nowNanos - lastCommitNanos < COMMIT_INTERVAL.toNanos()) {
            return;
        }
        lastCommitNanos = nowNanos;
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(uncommitted);
        uncommitted.clear();
        commitAsync.accept(offsets, (committed, e) -> {
            if (e != null) {
                LOG.debugf("Committing offsets failed (the stored offsets stay authoritative): %s", e.getMessage());
                offsets.forEach((partition, offset) -> {
                    if (owned.test(partition.partition())) {
                        uncommitted.putIfAbsent(partition, offset);
                    }
                });
            }
        });
    }
}
