package io.segflow.trigger;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Kafka producer trigger records are written with. A batch's records are all handed to it first, so they
 * travel in its per-partition record batches, and then awaited together: one round trip per batch, not per record.
 * Created at startup (invalid producer settings stop the function there), metrics bound as {@code kafka_producer_*}.
 */
@Startup
@ApplicationScoped
public class TriggerProducer {
    /**
     * Overridable by {@code segflow.trigger.producer.*}; {@code acks=all} + idempotence: nothing acked is lost or
     * doubled. No linger: a batch's records are handed over within well under a millisecond and then waited for
     * while the batch's firings are stored, so any linger only adds to every batch's time (and so to the wait of the
     * changes behind it); the records handed over while the first request travels go together in the next.
     */
    static final Map<String, String> DEFAULTS = Map.of(
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
            ProducerConfig.LINGER_MS_CONFIG, "0",
            ProducerConfig.BATCH_SIZE_CONFIG, "131072");

    private static final Duration CLOSE_WAIT = Duration.ofSeconds(1);

    private final Producer<String, byte[]> producer;
    private final KafkaClientMetrics metrics;

    @Inject
    TriggerProducer(@Identifier("default-kafka-broker") Map<String, Object> kafka, TriggerConfig config, MeterRegistry registry) {
        Map<String, Object> settings = new HashMap<>(kafka);
        settings.put(ProducerConfig.CLIENT_ID_CONFIG, "trigger-function");
        settings.putAll(DEFAULTS);
        settings.putAll(config.producer());
        this.producer = new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer());
        this.metrics = new KafkaClientMetrics(producer);
        metrics.bindTo(registry);
    }

    /** For tests: a given producer (e.g. Kafka's {@code MockProducer}). */
    TriggerProducer(Producer<String, byte[]> producer) {
        this.producer = producer;
        this.metrics = null;
    }

    /**
     * Sends every record, then waits until each one is acknowledged or failed (the producer reports each within
     * {@code delivery.timeout.ms}). Throws the first failure, after which the rest are not sent; records sent before
     * or after it may be on the topic.
     */
    public void sendAll(List<ProducerRecord<String, byte[]>> records) throws InterruptedException {
        send(records).await();
    }

    /**
     * Hands every record to the producer and returns at once; {@link Sending#await()} then waits for their acks as
     * {@link #sendAll} does. Lets the caller do other work while the records travel.
     */
    public Sending send(List<ProducerRecord<String, byte[]>> records) {
        Sending acks = new Sending(records.size());
        int sent = 0;
        try {
            for (ProducerRecord<String, byte[]> record : records) {
                if (acks.failed()) {
                    // send() reports a broker without metadata or buffer room only after max.block.ms, through the
                    // callback: the batch is sent again anyway, so the rest need not wait that out one by one.
                    break;
                }
                producer.send(record, acks);
                sent++;
            }
        } catch (RuntimeException e) {
            // send() threw (closed producer, interrupted, ...): no callback comes for this record and those after it.
            acks.fail(e);
        }
        acks.abandon(records.size() - sent);
        return acks;
    }

    /** The partition count of {@code topic}, from the producer's metadata (a first ask fetches it from the brokers). */
    public int partitionsOf(String topic) {
        return producer.partitionsFor(topic).size();
    }

    @PreDestroy
    void close() {
        if (metrics != null) {
            metrics.close();
        }
        // Records still unacknowledged at the stop are a batch's that is not committed (its partition's next owner
        // reads it again) or an attempt the stop cut short: waiting for a broker that does not answer gains nothing.
        producer.close(CLOSE_WAIT);
    }

    /** Records on their way; one callback for all: counts down those still unacknowledged, keeps the first failure. */
    public static final class Sending implements Callback {
        private final CountDownLatch pending;
        private final AtomicReference<Exception> failure = new AtomicReference<>();

        Sending(int records) {
            this.pending = new CountDownLatch(records);
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception != null) {
                failure.compareAndSet(null, exception);
            }
            pending.countDown();
        }

        boolean failed() {
            return failure.get() != null;
        }

        void fail(RuntimeException cause) {
            failure.compareAndSet(null, cause);
        }

        /** Records that were never handed to the producer: no callback will count them. */
        void abandon(int records) {
            for (int i = 0; i < records; i++) {
                pending.countDown();
            }
        }

        /** Waits for every record's ack; throws the first failure. */
        public void await() throws InterruptedException {
            pending.await();
            throwFirstFailure();
        }

        /** As {@link #await()}, at most {@code timeout}: false if some record is neither acknowledged nor failed by then. */
        public boolean await(Duration timeout) throws InterruptedException {
            if (!pending.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return false;
            }
            throwFirstFailure();
            return true;
        }

        private void throwFirstFailure() {
            Exception first = failure.get();
            if (first != null) {
                throw new TriggerSendException(first);
            }
        }
    }

    /** The broker refused or did not acknowledge a trigger record in time. */
    static final class TriggerSendException extends RuntimeException {
        TriggerSendException(Exception cause) {
            super("a trigger record was not acknowledged: " + cause.getMessage(), cause);
        }
    }
}
