package io.segflow.segment.publish;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.opentelemetry.api.trace.Span;
import io.segflow.core.Topics;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Writes change records to {@code segflow.segment-changes} (keyed by user, so a user's records keep their order on
 * one partition), identity steps to {@code segflow.events} and dead letters to {@code segflow.events.dead-letter}.
 * Sends are asynchronous (idempotent producer, {@code acks=all}); the engine sends the next rounds' records before
 * the previous ones are acknowledged. So the first record Kafka refuses closes the producer at once, failing every
 * record still queued or in flight: none sent after it can land before it (an idempotent producer that gives up on a
 * batch starts a new sequence, and later batches would succeed). The engine then resets, {@link #restart}s the
 * producer and publishes the stored records again, in order.
 */
@ApplicationScoped
public class ChangePublisher {
    private static final Logger LOG = Logger.getLogger(ChangePublisher.class);

    private final Map<String, Object> config;
    private final MeterRegistry metrics;
    private final ChangeTracing tracing;
    private volatile Producer current;

    /** A record to send: its topic, key and value, and the span of what caused it (its trace goes on with its consumers). */
    public record Outgoing(String topic, String key, String json, Span cause) {
        public static Outgoing change(String userId, String json, Span cause) {
            return new Outgoing(Topics.SEGMENT_CHANGES, userId, json, cause);
        }
    }

    /** One Kafka producer, closed for good by the first record it fails to write. */
    private static final class Producer {
        final KafkaProducer<String, String> kafka;
        final KafkaClientMetrics metrics;
        volatile boolean failed;

        Producer(Map<String, Object> config, MeterRegistry registry) {
            kafka = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
            metrics = new KafkaClientMetrics(kafka);
            metrics.bindTo(registry);
        }

        /** On the producer's I/O thread, in the callback of the refused record, before it sends anything else. */
        void fail(Exception error) {
            if (!failed) {
                failed = true;
                LOG.warnf("Kafka refused a change record (%s): failing the records queued after it", error.getMessage());
                kafka.close(Duration.ZERO);
            }
        }

        void close(Duration timeout) {
            metrics.close();
            kafka.close(timeout);
        }
    }

    ChangePublisher(@Identifier("default-kafka-broker") Map<String, Object> kafka, ChangeTracing tracing, MeterRegistry metrics) {
        this.tracing = tracing;
        this.metrics = metrics;
        this.config = new HashMap<>(kafka);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "segment-function-changes");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // No linger unless kafka.linger.ms says otherwise: a round sends its records in one go, so they batch while the
        // sender is busy with the first; a 1 ms linger added 1–2 ms to the median change without saving broker CPU.
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        // No compression unless kafka.compression.type says otherwise: a round's batch per partition holds a few
        // records of ~250 bytes, too few to compress well, and LZ4's two 64 KB buffers per batch were most of what the
        // function allocated.
        config.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        this.current = new Producer(config, metrics);
    }

    /** Change records on their way to Kafka. */
    public interface Pending {
        /** Returns once Kafka acknowledged every record; throws if one failed or the timeout passed. */
        void await(Duration timeout);

        /** Whether every record was acknowledged or failed (then {@link #await} returns or throws at once). */
        boolean done();
    }

    /**
     * Sends the change records in order, without waiting: the caller does other work, then {@link Pending#await}s.
     * Throws once a record failed, until {@link #restart}.
     */
    public Pending start(List<Outgoing> changes) {
        Producer producer = usable();
        List<Future<RecordMetadata>> acks = new ArrayList<>(changes.size());
        for (Outgoing change : changes) {
            ProducerRecord<String, String> record = new ProducerRecord<>(change.topic(), change.key(), change.json());
            if (change.cause() != null) {
                tracing.inject(change.cause(), record.headers());
            }
            acks.add(producer.kafka.send(record, (metadata, error) -> {
                if (error != null) {
                    producer.fail(error);
                }
            }));
        }
        return new Pending() {
            private int settled;

            @Override
            public void await(Duration timeout) {
                ChangePublisher.await(acks, timeout);
            }

            @Override
            public boolean done() {
                while (settled < acks.size() && acks.get(settled).isDone()) {
                    settled++;
                }
                return settled == acks.size();
            }
        };
    }

    /** After a reset: a new producer if the current one failed (the records it dropped are published again by the caller). */
    public void restart() {
        Producer producer = current;
        if (producer.failed) {
            producer.close(Duration.ZERO);
            current = new Producer(config, metrics);
        }
    }

    private Producer usable() {
        Producer producer = current;
        if (producer.failed) {
            throw new IllegalStateException("Kafka refused a record: change records wait for the engine to reset");
        }
        return producer;
    }

    /** Writes one event record that kept failing to the dead-letter topic, with the reason; waits for the ack. */
    public void deadLetter(String key, String value, int partition, long offset, String reason, Duration timeout) {
        ProducerRecord<String, String> record = new ProducerRecord<>(Topics.EVENTS_DEAD_LETTER, key, value);
        record.headers().add("segflow.reason", reason.getBytes(StandardCharsets.UTF_8));
        record.headers().add("segflow.source", (Topics.EVENTS + "-" + partition + "@" + offset).getBytes(StandardCharsets.UTF_8));
        await(List.of(usable().kafka.send(record)), timeout);
    }

    private static void await(List<Future<RecordMetadata>> acks, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            for (Future<RecordMetadata> ack : acks) {
                ack.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka refused a record: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not acknowledge " + acks.size() + " records within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka", e);
        }
    }

    @PreDestroy
    void close() {
        current.close(Duration.ofSeconds(5));
    }
}
