package io.segflow.testkit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/** Writes records to a topic in tests and waits for the broker's acknowledgement. */
public final class TopicWriter implements AutoCloseable {
    private final KafkaProducer<String, String> producer;
    private final String topic;

    public TopicWriter(String bootstrapServers, String topic) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        // No JMX reporter: inside a Quarkus test, Kafka would load it from another class loader than its own.
        props.put(ProducerConfig.METRIC_REPORTER_CLASSES_CONFIG, "");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        this.topic = topic;
    }

    public void send(String key, String value) {
        send(key, value, Map.of());
    }

    /**
     * Several records of one key sent at once, then awaited: the producer puts them in one batch, which a consumer
     * reads in one poll (to test how a consumer handles its batches).
     */
    public void sendTogether(String key, String... values) {
        sendAll(Arrays.stream(values).map(value -> new Outgoing(key, value, Map.of())).toList());
    }

    /** A W3C {@code traceparent} of a new sampled trace, as ingest writes one on each event. */
    public static String newTraceparent() {
        return "00-" + UUID.randomUUID().toString().replace("-", "") + "-00f067aa0ba902b7-01";
    }

    /** One record to write: its key, value and headers (e.g. a W3C {@code traceparent}). */
    public record Outgoing(String key, String value, Map<String, String> headers) {
    }

    /** Many records sent without waiting for each, then awaited: load for a black-box test. */
    public void sendAll(List<Outgoing> records) {
        List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
        for (Outgoing outgoing : records) {
            sent.add(producer.send(record(outgoing.key(), outgoing.value(), outgoing.headers())));
        }
        sent.forEach(this::await);
    }

    /** With record headers (e.g. a W3C {@code traceparent}). */
    public void send(String key, String value, Map<String, String> headers) {
        await(producer.send(record(key, value, headers)));
    }

    private ProducerRecord<String, String> record(String key, String value, Map<String, String> headers) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, value);
        headers.forEach((name, header) -> record.headers().add(name, header.getBytes(StandardCharsets.UTF_8)));
        return record;
    }

    private void await(Future<RecordMetadata> ack) {
        try {
            ack.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not write to " + topic, e.getCause());
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
