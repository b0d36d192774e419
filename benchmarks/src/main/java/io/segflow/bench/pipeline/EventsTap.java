package io.segflow.bench.pipeline;

import io.segflow.core.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * {@code segflow.events} from now on, on a thread of its own: what was written there by type, with each record's
 * key and timestamp to a listener. segment-function writes its identity steps there ({@code merge} keyed by the
 * anonymous id, {@code merge-profile} keyed by the user, forwarded events keyed by the user), so their timestamps
 * split a merge into its hops. Only the head of each value is looked at (its {@code type}, or {@code forwardedFrom}
 * for a forwarded event): no JSON parsing.
 */
final class EventsTap implements AutoCloseable {
    static final String FORWARDED = "forwarded";

    interface Listener {
        /** Called on the tap's thread for every record, with its type, key and timestamp (the producer's send time). */
        void onRecord(String type, String key, long timestampMillis);
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private final Map<String, LongAdder> records = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> bytes = new ConcurrentHashMap<>();
    private final Listener listener;
    private volatile boolean running = true;

    EventsTap(String bootstrap, Listener listener) {
        this.listener = listener;
        Properties props = KafkaClients.properties(bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.EVENTS).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // the end now, not at the first poll
        thread = Thread.ofPlatform().name("events-tap").daemon().start(this::run);
    }

    /** Records seen so far by type, and their value bytes. */
    Map<String, long[]> byType() {
        Map<String, long[]> out = new TreeMap<>();
        records.forEach((type, count) -> out.put(type, new long[] {count.sum(), bytes.get(type).sum()}));
        return out;
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    String type = type(record.value());
                    records.computeIfAbsent(type, t -> new LongAdder()).increment();
                    bytes.computeIfAbsent(type, t -> new LongAdder()).add(record.value() == null ? 0 : record.value().length);
                    listener.onRecord(type, record.key(), record.timestamp());
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    /** {@code {"schema":1,"type":"track",...}}, or {@code {"userId":"U","forwardedFrom":"A",...}} for a forwarded event. */
    static String type(byte[] value) {
        if (value == null) {
            return "tombstone";
        }
        String head = new String(value, 0, Math.min(value.length, 256), StandardCharsets.UTF_8);
        if (head.contains("\"forwardedFrom\":")) {
            return FORWARDED;
        }
        int at = head.indexOf("\"type\":\"");
        int end = at < 0 ? -1 : head.indexOf('"', at + 8);
        return end < 0 ? "other" : head.substring(at + 8, end);
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
