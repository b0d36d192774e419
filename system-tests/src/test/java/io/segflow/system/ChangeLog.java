package io.segflow.system;

import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Everything on {@code segflow.segment-changes} (or another topic keyed by user) from its beginning up to its
 * current end, per user, in topic order.
 */
final class ChangeLog {
    private static final Duration READ = Duration.ofSeconds(60);

    private ChangeLog() {
    }

    static Map<String, List<SegmentChange>> read(String bootstrapServers, Predicate<String> users) {
        return read(bootstrapServers, Topics.SEGMENT_CHANGES, users, value -> Json.read(value, SegmentChange.class));
    }

    /** Any topic keyed by user, each value decoded, from its beginning up to its current end. */
    static <T> Map<String, List<T>> read(String bootstrapServers, String topic, Predicate<String> users, Function<String, T> decode) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, List<T>> byUser = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, READ).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Instant deadline = Instant.now().plus(READ);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("could not read " + topic + " up to " + end + " within " + READ);
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.key() != null && users.test(record.key())) {
                        byUser.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(decode.apply(record.value()));
                    }
                }
            }
        }
        return byUser;
    }
}
