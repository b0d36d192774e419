package io.segflow.trigger;

import static io.segflow.trigger.Changes.change;
import static io.segflow.trigger.Changes.json;
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
import io.segflow.testkit.TopicWriter;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** A foreign producer's records on the change log are counted and skipped; the partition goes on. */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class UnreadableChangesTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    MeterRegistry metrics;

    @Test
    void unreadableRecordsAreCountedAndSkippedAndTheChangesAroundThemComeOut() {
        String user = "user-" + UUID.randomUUID();
        double unreadableBefore = unreadable();
        try (TopicWriter changes = new TopicWriter(bootstrapServers, Topics.SEGMENT_CHANGES);
             TopicReader triggers = new TopicReader(bootstrapServers, Topics.TRIGGERS)) {
            changes.send(user, json(change(user, "vip", 1)));
            changes.send(user, "not json");
            changes.send(user, null);
            changes.send(user, "{\"segmentId\": \"vip\", \"change\": \"entered\", \"version\": 2}");
            changes.send(user, json(change(user, "vip", 2)));

            triggers.await(r -> user.equals(r.key()), 2, Duration.ofSeconds(20));
            assertThat(triggers.drain(r -> user.equals(r.key()), Duration.ofSeconds(1)))
                    .extracting(r -> Json.read(r.value(), JsonNode.class).get("id").asText())
                    .containsExactly(user + ":vip:1", user + ":vip:2");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(unreadable() - unreadableBefore).isEqualTo(3));
        }
    }

    /** The last record of an id merged into another user has no segment: nothing to trigger, and not unreadable. */
    @Test
    void aMergedRecordIsNeitherATriggerNorUnreadable() {
        String user = "anon-" + UUID.randomUUID();
        double unreadableBefore = unreadable();
        try (TopicWriter changes = new TopicWriter(bootstrapServers, Topics.SEGMENT_CHANGES);
             TopicReader triggers = new TopicReader(bootstrapServers, Topics.TRIGGERS)) {
            changes.send(user, json(change(user, "vip", 1)));
            changes.send(user, json(io.segflow.core.membership.SegmentChange.merged(user, "user-1",
                    java.time.Instant.parse("2026-11-26T10:00:00Z"), 2)));
            changes.send(user, json(change(user, "vip", 3)));

            triggers.await(r -> user.equals(r.key()), 2, Duration.ofSeconds(20));
            assertThat(triggers.drain(r -> user.equals(r.key()), Duration.ofSeconds(1)))
                    .extracting(r -> Json.read(r.value(), JsonNode.class).get("id").asText())
                    .containsExactly(user + ":vip:1", user + ":vip:3");
            assertThat(unreadable() - unreadableBefore).isZero();
        }
    }

    private double unreadable() {
        return metrics.counter("segflow.segment-changes.unreadable").count();
    }
}
