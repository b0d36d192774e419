package io.segflow.bench.pipeline;

import io.segflow.core.Topics;
import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes events to {@code segflow.events} (or another topic) as ingest does: keyed by userId (else anonymousId), {@code acks=all},
 * idempotent, with ingest's batching. A failed send is kept and thrown at the next {@link #flush()}: a run with lost
 * events would measure the wrong thing.
 */
final class EventProducer implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();

    /** {@code lingerMs}: ingest's 2 for paced traffic; more for a backlog written as fast as possible. */
    EventProducer(String bootstrap, int lingerMs) {
        this(bootstrap, lingerMs, Topics.EVENTS);
    }

    /** The same producer, writing to {@code topic}. */
    EventProducer(String bootstrap, int lingerMs, String topic) {
        this.topic = topic;
        Properties props = KafkaClients.properties(bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(lingerMs));
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "131072");
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(128L << 20));
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    void send(Event event) {
        // Keyed as ingest keys: by userId, else (an anonymous visitor) by anonymousId.
        send(event.profileKey(), EventRecords.write(event));
    }

    /** A record serialized ahead ({@link EventRecords#write}), keyed by {@link Event#profileKey()}. */
    void send(String key, byte[] value) {
        send(new ProducerRecord<>(topic, key, value));
    }

    void send(ProducerRecord<String, byte[]> record) {
        bytes.addAndGet(record.value().length);
        sent.incrementAndGet();
        producer.send(record, (metadata, error) -> {
            if (error != null) {
                failure.compareAndSet(null, error);
            }
        });
    }

    void flush() {
        producer.flush();
        Exception error = failure.get();
        if (error != null) {
            throw new IllegalStateException("an event was not written to " + topic, error);
        }
    }

    /** The average record value size so far: what kafka-producer-perf-test is given. */
    int averageBytes() {
        return (int) (bytes.get() / Math.max(1, sent.get()));
    }

    long totalBytes() {
        return bytes.get();
    }

    @Override
    public void close() {
        producer.close();
    }
}
