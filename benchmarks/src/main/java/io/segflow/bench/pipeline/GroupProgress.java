package io.segflow.bench.pipeline;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * How far a consumer group got through a topic, from Kafka's own bookkeeping: segment-function commits an
 * offset only once the batch's state is in Redis and its changes are acknowledged, so committed = end means
 * every event up to now is fully processed.
 */
final class GroupProgress implements AutoCloseable {

    /** Sums over the topic's partitions; a partition the group never committed counts from its earliest offset. */
    record Snapshot(long committed, long end, long nanos) {
        long lag() {
            return end - committed;
        }
    }

    private final Admin admin;
    private final String group;
    private final String topic;
    private List<TopicPartition> partitions = List.of();

    GroupProgress(String bootstrap, String group, String topic) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        this.admin = Admin.create(props);
        this.group = group;
        this.topic = topic;
    }

    Snapshot snapshot() throws InterruptedException {
        try {
            if (partitions.isEmpty() && !loadPartitions()) {
                return new Snapshot(0, 0, System.nanoTime());
            }
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            partitions.forEach(p -> {
                latest.put(p, OffsetSpec.latest());
                earliest.put(p, OffsetSpec.earliest());
            });
            Map<TopicPartition, OffsetAndMetadata> committed = committed();
            var ends = admin.listOffsets(latest).all().get();
            long nanos = System.nanoTime();
            long committedSum = 0;
            long endSum = 0;
            Map<TopicPartition, ListOffsetsResultInfo> starts = null;
            for (TopicPartition partition : partitions) {
                endSum += ends.get(partition).offset();
                OffsetAndMetadata offset = committed.get(partition);
                if (offset != null) {
                    committedSum += offset.offset();
                } else {
                    // Never committed: segment-function starts at the earliest offset (auto.offset.reset=earliest).
                    if (starts == null) {
                        starts = admin.listOffsets(earliest).all().get();
                    }
                    committedSum += starts.get(partition).offset();
                }
            }
            return new Snapshot(committedSum, endSum, nanos);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka admin call failed: " + e.getCause(), e.getCause());
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> committed() throws InterruptedException, ExecutionException {
        try {
            return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return Map.of();
            }
            throw e;
        }
    }

    /** Partitions of the topic (0 before its first record). */
    int partitions() throws InterruptedException {
        try {
            return partitions.isEmpty() && !loadPartitions() ? 0 : partitions.size();
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka admin call failed: " + e.getCause(), e.getCause());
        }
    }

    /** Consumers currently in the group: 0 while segment-function is stopped. */
    int members() throws InterruptedException {
        try {
            return admin.describeConsumerGroups(List.of(group)).all().get().get(group).members().size();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return 0; // segment-function never ran against this broker
            }
            throw new IllegalStateException("Kafka admin call failed: " + e.getCause(), e.getCause());
        }
    }

    private boolean loadPartitions() throws InterruptedException, ExecutionException {
        try {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            partitions = description.partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            return !partitions.isEmpty();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false; // nothing produced yet: created with the first event
            }
            throw e;
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
