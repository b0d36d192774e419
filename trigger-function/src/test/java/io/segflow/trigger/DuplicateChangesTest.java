package io.segflow.trigger;

import static io.segflow.trigger.Changes.change;
import static io.segflow.trigger.Changes.erased;
import static io.segflow.trigger.Changes.erasureExit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.TopicReader;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** segment-function publishes at least once: a change published again is not turned into a second trigger. */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class DuplicateChangesTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    MeterRegistry metrics;

    @Test
    void aChangePublishedAgainInTheSameOrALaterBatchBecomesOneTrigger() {
        String user = "user-" + UUID.randomUUID();
        double duplicatesBefore = duplicates();
        try (ChangeLogWriter changes = new ChangeLogWriter(bootstrapServers);
             TopicReader triggers = new TopicReader(bootstrapServers, Topics.TRIGGERS)) {
            changes.writeInOneTransaction(List.of(change(user, "vip", 1), change(user, "vip", 2),
                    change(user, "vip", 1), change(user, "vip", 2)));
            triggers.await(r -> user.equals(r.key()), 2, Duration.ofSeconds(20));
            // A crashed drainer's successor publishes the user's outbox again, then the user's next change.
            changes.writeInOneTransaction(List.of(change(user, "vip", 2), change(user, "vip", 3)));

            triggers.await(r -> user.equals(r.key()), 3, Duration.ofSeconds(20));
            assertThat(ids(triggers.drain(r -> user.equals(r.key()), Duration.ofSeconds(1))))
                    .containsExactly(user + ":vip:1", user + ":vip:2", user + ":vip:3");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(duplicates() - duplicatesBefore).isEqualTo(3));
        }
    }

    @Test
    void erasureExitsAreAlwaysTriggersAndTheUsersNextProfileStartsAgain() {
        String user = "user-" + UUID.randomUUID();
        try (ChangeLogWriter changes = new ChangeLogWriter(bootstrapServers);
             TopicReader triggers = new TopicReader(bootstrapServers, Topics.TRIGGERS)) {
            changes.writeInOneTransaction(List.of(change(user, "vip", 1), change(user, "cart-lovers", 2),
                    erasureExit(user, "vip", 3), erasureExit(user, "cart-lovers", 4), change(user, "vip", 1)));

            triggers.await(r -> user.equals(r.key()), 5, Duration.ofSeconds(20));
            List<JsonNode> fired = triggers.drain(r -> user.equals(r.key()), Duration.ofSeconds(1)).stream()
                    .map(r -> Json.read(r.value(), JsonNode.class)).toList();
            assertThat(fired).extracting(t -> t.get("id").asText() + " " + t.get("cause").asText()).containsExactly(
                    user + ":vip:1 event:m1", user + ":cart-lovers:2 event:m2",
                    user + ":vip:3 erasure", user + ":cart-lovers:4 erasure", user + ":vip:1 event:m1");
        }
    }

    @Test
    void aUserErasedWithoutMembershipsStartsAgainAfterItsErasedRecord() {
        String user = "user-" + UUID.randomUUID();
        double unreadableBefore = metrics.counter("segflow.segment-changes.unreadable").count();
        try (ChangeLogWriter changes = new ChangeLogWriter(bootstrapServers);
             TopicReader triggers = new TopicReader(bootstrapServers, Topics.TRIGGERS)) {
            // Entered and exited before the erasure: it has no exits of its own, only the erased record.
            changes.writeInOneTransaction(List.of(change(user, "vip", 1), change(user, "vip", 2), erased(user, 3),
                    change(user, "vip", 1), change(user, "vip", 2)));

            triggers.await(r -> user.equals(r.key()), 4, Duration.ofSeconds(20));
            assertThat(ids(triggers.drain(r -> user.equals(r.key()), Duration.ofSeconds(1))))
                    .containsExactly(user + ":vip:1", user + ":vip:2", user + ":vip:1", user + ":vip:2");
            assertThat(metrics.counter("segflow.segment-changes.unreadable").count()).isEqualTo(unreadableBefore);
        }
    }

    private double duplicates() {
        return metrics.counter("segflow.segment-changes.duplicates").count();
    }

    private static List<String> ids(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(r -> Json.read(r.value(), JsonNode.class).get("id").asText()).toList();
    }
}
