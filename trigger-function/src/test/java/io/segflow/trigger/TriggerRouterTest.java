package io.segflow.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.TopicReader;
import io.segflow.testkit.TopicWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class TriggerRouterTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void everySegmentChangeBecomesOneTriggerKeyedByUser() {
        String user = "user-" + UUID.randomUUID();
        try (TopicWriter changes = new TopicWriter(bootstrapServers, Topics.SEGMENT_CHANGES);
             TopicReader triggers = new TopicReader(bootstrapServers, Topics.TRIGGERS)) {
            changes.send(user, "not json");
            changes.send(user, Json.write(new SegmentChange(user, "vip", SegmentChange.ENTERED, Instant.now(), 1, "event:m1")));
            changes.send(user, Json.write(new SegmentChange(user, "vip", SegmentChange.EXITED, Instant.now(), 2, "event:m2")));

            var records = triggers.await(r -> user.equals(r.key()), 2, Duration.ofSeconds(20));
            JsonNode entered = Json.read(records.get(0).value(), JsonNode.class);
            assertThat(entered.get("kind").asText()).isEqualTo("segment.entered");
            assertThat(entered.get("segmentId").asText()).isEqualTo("vip");
            assertThat(entered.get("id").asText()).isEqualTo(user + ":vip:1");
            assertThat(Json.read(records.get(1).value(), JsonNode.class).get("kind").asText()).isEqualTo("segment.exited");
            assertThat(triggers.drain(r -> user.equals(r.key()), Duration.ofSeconds(1))).hasSize(2);
        }
    }
}
