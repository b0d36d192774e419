package io.segflow.ingest;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while ingest's Kafka producer is connected to the cluster. Read from the producer's own metrics, so a probe
 * costs no round trip; the producer keeps its connection open (metadata refreshes, idempotent producer id) and
 * reconnects by itself when the broker returns.
 */
@Readiness
@ApplicationScoped
public class KafkaReadiness implements HealthCheck {
    private final IngestProducer producer;

    KafkaReadiness(IngestProducer producer) {
        this.producer = producer;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("kafka").status(producer.connected()).build();
    }
}
