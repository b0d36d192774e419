package io.segflow.ingest;

import static io.segflow.core.Settings.require;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

@ConfigMapping(prefix = "segflow")
public interface IngestConfig {

    /**
     * Write keys, one per source, as {@code <source name>:<write key>} (env {@code SEGFLOW_WRITE_KEYS}, comma separated).
     * No default outside dev and test: the function refuses to start without them.
     */
    List<String> writeKeys();

    /**
     * Events (accepted and rejected) that may wait for Kafka's acknowledgement at once; a request that would exceed it
     * gets 429. It also bounds what the Kafka producer buffers ({@code buffer.memory}, 32 MiB by default).
     */
    @WithDefault("10000")
    int maxInFlightEvents();

    /** How long a request waits for Kafka's acknowledgement before it gets 503. */
    @WithDefault("10s")
    Duration ackTimeout();

    /** {@code Retry-After} of a 503 (Kafka unavailable). */
    @WithDefault("5s")
    Duration unavailableRetryAfter();

    /** {@code Retry-After} of a 429 (too many events in flight). */
    @WithDefault("1s")
    Duration overloadRetryAfter();

    /**
     * Kafka producer properties for ingest's producer, as {@code segflow.producer.<property>} (e.g.
     * {@code segflow.producer.linger.ms}); {@code bootstrap.servers} defaults to {@code kafka.bootstrap.servers}.
     */
    Map<String, String> producer();

    CloudEvents cloudevents();

    interface CloudEvents {
        /**
         * The source name CloudEvents without a write key are ingested under (e.g. {@code knative} for brokers and
         * KafkaSources on the cluster network). Unset: a CloudEvent needs a write key like any call (else 401).
         */
        Optional<String> trustedSource();
    }

    /** Refuses to start with settings that would fail every request (a 500 or a 429 each), naming the setting. */
    static void validate(IngestConfig config) {
        require(config.maxInFlightEvents() >= 1, "segflow.max-in-flight-events", "at least 1");
        require(config.ackTimeout().toMillis() >= 1, "segflow.ack-timeout", "at least 1ms");
    }
}
