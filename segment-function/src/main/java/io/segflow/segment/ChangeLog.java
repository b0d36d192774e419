package io.segflow.segment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * {@code segflow.segment-changes}, written in Kafka transactions so that no change reaches a consumer twice.
 * A {@link Writer} is a transactional producer with an id of its own, lent to one drainer at a time. A drainer
 * names its writer in the outbox's sending marker before it sends (begin-publish.lua); whoever takes that outbox
 * over {@link #fence fences} the writer: {@code initTransactions} under the same id aborts its open transaction
 * and makes the broker refuse its later commits. Consumers read with {@code isolation.level=read_committed}, so
 * the records of a fenced or aborted transaction never reach them. The Kafka client settings common to every
 * channel ({@code kafka.*}: bootstrap servers, security) apply here too.
 */
@ApplicationScoped
public class ChangeLog {
    private static final Logger LOG = Logger.getLogger(ChangeLog.class);

    private final Map<String, Object> kafka;
    private final Duration transactionTimeout;
    private final MeterRegistry metrics;
    private final Counter fences;
    /** Unique per process: a restarted instance's writers are new ids, fenced through the markers they left. */
    private final String idPrefix = "segment-function-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final AtomicInteger nextId = new AtomicInteger();
    /** Writers with no open transaction: they cannot commit anything a marker might name. */
    private final Deque<Writer> idle = new ConcurrentLinkedDeque<>();

    ChangeLog(@Identifier("default-kafka-broker") Map<String, Object> kafka,
              @ConfigProperty(name = "segflow.changes.transaction-timeout", defaultValue = "20s") Duration transactionTimeout,
              MeterRegistry metrics) {
        this.kafka = kafka;
        this.transactionTimeout = transactionTimeout;
        this.metrics = metrics;
        this.fences = metrics.counter("segflow.outbox.fences");
    }

    /** A writer for one drainer; {@link Writer#close()} hands it back. */
    public Writer writer() {
        Writer writer = idle.pollFirst();
        return writer != null ? writer : new Writer(idPrefix + nextId.incrementAndGet());
    }

    /**
     * Makes sure the producer {@code transactionalId} can no longer commit: its open transaction, if any, is
     * aborted. Blocks until the broker has completed that producer's last transaction, so a read_committed read
     * afterwards sees everything it committed. Nothing to do for {@code current} (the caller's own writer, between
     * transactions) or an idle writer of ours.
     */
    public void fence(String transactionalId, Writer current) {
        if (transactionalId.equals(current.id) || idle.stream().anyMatch(writer -> writer.id.equals(transactionalId))) {
            return;
        }
        fences.increment();
        try (KafkaProducer<String, String> fencer = new KafkaProducer<>(config(transactionalId),
                new StringSerializer(), new StringSerializer())) {
            fencer.initTransactions();
        }
        LOG.infof("Fenced the Kafka producer %s: it stopped or stalled while it sent an outbox", transactionalId);
    }

    private Map<String, Object> config(String transactionalId) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, transactionalId);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // A transaction left open by a dead instance holds read_committed consumers of its partitions back until
        // the broker aborts it (or a takeover fences it): keep it short, and inside the outbox lease.
        config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) transactionTimeout.toMillis());
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) transactionTimeout.toMillis());
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(transactionTimeout.toMillis() / 2, 30_000));
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, transactionTimeout.toMillis());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0); // the commit right after the sends flushes them anyway
        return config;
    }

    @PreDestroy
    void close() {
        for (Writer writer = idle.pollFirst(); writer != null; writer = idle.pollFirst()) {
            writer.shutDown();
        }
    }

    /** One transactional producer, used by one drainer at a time. */
    public final class Writer implements AutoCloseable {
        private final String id;
        private final KafkaProducer<String, String> producer;
        private final KafkaClientMetrics clientMetrics;
        private boolean broken;

        private Writer(String id) {
            this.id = id;
            this.producer = new KafkaProducer<>(config(id), new StringSerializer(), new StringSerializer());
            this.clientMetrics = new KafkaClientMetrics(producer);
            try {
                producer.initTransactions();
            } catch (RuntimeException e) {
                shutDown();
                throw e;
            }
            clientMetrics.bindTo(metrics);
        }

        /** The id a drainer names in the sending marker before {@link #send}. */
        public String transactionalId() {
            return id;
        }

        /**
         * Sends the records in one transaction, in order, and commits; returns once they are visible to
         * read_committed consumers. Throws if they are not (the transaction is aborted: none of them is).
         */
        public void send(List<ProducerRecord<String, String>> records) {
            try {
                producer.beginTransaction();
                records.forEach(producer::send); // a failed send fails the commit
                producer.commitTransaction();
            } catch (RuntimeException e) {
                try {
                    producer.abortTransaction();
                } catch (RuntimeException abortFailed) {
                    // Fenced (another drainer took over), or the producer is in a fatal state: never use it again.
                    broken = true;
                    e.addSuppressed(abortFailed);
                }
                throw e;
            }
        }

        /** Back to the idle writers, or closed if it can no longer be used. */
        @Override
        public void close() {
            if (broken) {
                shutDown();
            } else {
                idle.addFirst(this);
            }
        }

        private void shutDown() {
            clientMetrics.close();
            producer.close(Duration.ofSeconds(5));
        }
    }
}
