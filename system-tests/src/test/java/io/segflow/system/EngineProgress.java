package io.segflow.system;

import io.segflow.core.Topics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownMemberIdException;

/**
 * How far segment-function's consumer group got through {@code segflow.events}, as an operator sees it: the group's
 * committed offsets against the topic's end offsets, counted from a baseline so that earlier tests' records do not
 * count.
 */
final class EngineProgress implements AutoCloseable {
    static final String GROUP = "segment-function";

    private final Admin admin;
    private final List<TopicPartition> partitions;
    private Map<TopicPartition, Long> baseline = Map.of();

    private EngineProgress(Admin admin, List<TopicPartition> partitions) {
        this.admin = admin;
        this.partitions = partitions;
    }

    /** Creates {@code segflow.events} with {@code partitions} partitions unless it exists (an earlier test made it). */
    static EngineProgress open(String bootstrapServers, int partitions) {
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
        try {
            admin.createTopics(List.of(new NewTopic(Topics.EVENTS, partitions, (short) 1))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                admin.close();
                throw new IllegalStateException("could not create " + Topics.EVENTS, e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        int count = get(admin.describeTopics(List.of(Topics.EVENTS)).allTopicNames()).get(Topics.EVENTS).partitions().size();
        return new EngineProgress(admin, IntStream.range(0, count).mapToObj(p -> new TopicPartition(Topics.EVENTS, p)).toList());
    }

    /** From now on, {@link #processed} counts only records written after this call. */
    void markBaseline() {
        baseline = endOffsets();
    }

    /** Records written since the baseline that the group committed as processed. */
    long processed() {
        Map<TopicPartition, Long> committed = committed();
        return partitions.stream()
                .mapToLong(tp -> Math.max(0, committed.getOrDefault(tp, 0L) - baseline.getOrDefault(tp, 0L)))
                .sum();
    }

    /** Records of the topic the group has not committed yet. */
    long lag() {
        Map<TopicPartition, Long> committed = committed();
        return endOffsets().entrySet().stream().mapToLong(e -> e.getValue() - committed.getOrDefault(e.getKey(), 0L)).sum();
    }

    /**
     * Takes a static member out of the group: a group that still lists a dead static member waits for its session
     * to time out before it assigns its partitions to anyone else.
     */
    void removeStaticMember(String instanceId) {
        try {
            admin.removeMembersFromConsumerGroup(GROUP,
                    new RemoveMembersFromConsumerGroupOptions(List.of(new MemberToRemove(instanceId)))).all().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownMemberIdException)) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    private Map<TopicPartition, Long> committed() {
        Map<TopicPartition, OffsetAndMetadata> offsets = get(admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata());
        return offsets.entrySet().stream()
                .filter(e -> e.getValue() != null && partitions.contains(e.getKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    private Map<TopicPartition, Long> endOffsets() {
        Map<TopicPartition, OffsetSpec> latest = partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
        return get(admin.listOffsets(latest).all()).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
