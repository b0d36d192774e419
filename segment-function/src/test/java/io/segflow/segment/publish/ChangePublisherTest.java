package io.segflow.segment.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.TopicReader;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * A record Kafka refuses closes the producer for good: nothing sent after it can land before it is sent again. Until
 * the engine restarts the publisher, every send is refused; after, records go out again. Uses a publisher of its own
 * (records over a small {@code max.request.size} are refused) on a topic of its own, next to the running engine.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class ChangePublisherTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int MAX_REQUEST_BYTES = 2_000;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void aRefusedRecordFailsTheRecordsAfterItUntilTheEngineRestartsThePublisher() {
        String topic = "publisher-test-" + UUID.randomUUID();
        ChangePublisher publisher = publisher();
        try (TopicReader reader = new TopicReader(bootstrapServers, topic)) {
            ChangePublisher.Outgoing before = new ChangePublisher.Outgoing(topic, "u1", "{\"version\":1}", null);
            ChangePublisher.Outgoing refused = new ChangePublisher.Outgoing(topic, "u1", "x".repeat(2 * MAX_REQUEST_BYTES), null);
            ChangePublisher.Outgoing after = new ChangePublisher.Outgoing(topic, "u1", "{\"version\":3}", null);
            publisher.start(List.of(before)).await(WAIT);

            assertThatThrownBy(() -> publisher.start(List.of(refused, after)).await(WAIT))
                    .as("the refused record, or the closed producer under the record after it").isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> publisher.start(List.of(after))).as("a send before the restart")
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("reset");

            publisher.restart();
            publisher.start(List.of(after)).await(WAIT);

            assertThat(reader.await(r -> true, 2, WAIT)).extracting(r -> r.value()).containsExactly("{\"version\":1}", "{\"version\":3}");
        } finally {
            publisher.close();
        }
    }

    @Test
    void aRestartOfAPublisherThatRefusedNothingKeepsItsProducer() {
        String topic = "publisher-test-" + UUID.randomUUID();
        ChangePublisher publisher = publisher();
        try (TopicReader reader = new TopicReader(bootstrapServers, topic)) {
            publisher.start(List.of(new ChangePublisher.Outgoing(topic, "u1", "{\"version\":1}", null))).await(WAIT);
            publisher.restart();
            ChangePublisher.Pending pending = publisher.start(List.of(new ChangePublisher.Outgoing(topic, "u1", "{\"version\":2}", null)));
            pending.await(WAIT);
            assertThat(pending.done()).isTrue();
            assertThat(reader.await(r -> true, 2, WAIT)).extracting(r -> r.value()).containsExactly("{\"version\":1}", "{\"version\":2}");
        } finally {
            publisher.close();
        }
    }

    private ChangePublisher publisher() {
        Map<String, Object> kafka = new HashMap<>();
        kafka.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        kafka.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_REQUEST_BYTES);
        return new ChangePublisher(kafka, new ChangeTracing(OpenTelemetry.noop()), new SimpleMeterRegistry());
    }
}
