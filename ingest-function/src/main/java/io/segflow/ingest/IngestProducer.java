package io.segflow.ingest;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * The one Kafka producer ingest writes with (events and dead letters), created at startup from
 * {@code kafka.bootstrap.servers} and the producer settings {@code segflow.producer.<kafka producer property>}
 * ({@code acks=all}, idempotent, ...), its metrics bound to Micrometer ({@code kafka_producer_*}), closed on shutdown.
 */
@Startup
@ApplicationScoped
public class IngestProducer {
    private static final Logger LOG = Logger.getLogger(IngestProducer.class);

    private final KafkaProducer<String, byte[]> producer;
    private final KafkaClientMetrics metrics;

    IngestProducer(Config config, IngestConfig ingest, MeterRegistry registry) {
        // Created at startup: a setting that cannot work stops the start instead of failing every request.
        IngestConfig.validate(ingest);
        Map<String, Object> settings = new HashMap<>();
        config.getOptionalValue("kafka.bootstrap.servers", String.class)
                .ifPresent(servers -> settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers));
        settings.put(ProducerConfig.CLIENT_ID_CONFIG, "ingest-function");
        settings.putAll(ingest.producer());
        LOG.debugf("Kafka producer settings: %s", settings);
        this.producer = new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer());
        this.metrics = new KafkaClientMetrics(producer);
        metrics.bindTo(registry);
    }

    public KafkaProducer<String, byte[]> producer() {
        return producer;
    }

    /** Whether the producer holds a connection to the cluster (read from its metrics: no network round trip). */
    public boolean connected() {
        for (Map.Entry<MetricName, ? extends Metric> metric : producer.metrics().entrySet()) {
            MetricName name = metric.getKey();
            if ("connection-count".equals(name.name()) && "producer-metrics".equals(name.group())) {
                return metric.getValue().metricValue() instanceof Number n && n.doubleValue() > 0;
            }
        }
        return false;
    }

    @PreDestroy
    void close() {
        metrics.close();
        producer.close(Duration.ofSeconds(10));
    }
}
