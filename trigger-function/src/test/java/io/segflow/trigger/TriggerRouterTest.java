package io.segflow.trigger;

import static io.segflow.trigger.Changes.change;
import static io.segflow.trigger.Changes.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicReader;
import io.segflow.testkit.TopicWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class TriggerRouterTest {
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    /** The broker the resource points the function at; read directly, so that TriggerRouterIT (no injection) works too. */
    private final String bootstrapServers = TestServices.kafkaBootstrapServers();

    @Test
    void everySegmentChangeBecomesOneTriggerKeyedByUserInTheChangesTrace() {
        String user = "user-" + UUID.randomUUID();
        try (TopicWriter changes = new TopicWriter(bootstrapServers, Topics.SEGMENT_CHANGES);
             TopicReader triggers = new TopicReader(bootstrapServers, Topics.TRIGGERS)) {
            changes.send(user, json(change(user, "vip", 1)), Map.of("traceparent", TRACEPARENT));
            changes.send(user, json(change(user, "vip", 2)));

            var records = triggers.await(r -> user.equals(r.key()), 2, Duration.ofSeconds(20));
            JsonNode entered = Json.read(records.get(0).value(), JsonNode.class);
            assertThat(entered.get("kind").asText()).isEqualTo("segment.entered");
            assertThat(entered.get("segmentId").asText()).isEqualTo("vip");
            assertThat(entered.get("id").asText()).isEqualTo(user + ":vip:1");
            assertThat(entered.get("cause").asText()).isEqualTo("event:m1");
            // The change's trace (under trigger-function's span when tracing is on).
            assertThat(new String(records.get(0).headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8))
                    .startsWith(TRACEPARENT.substring(0, 36));
            assertThat(Json.read(records.get(1).value(), JsonNode.class).get("kind").asText()).isEqualTo("segment.exited");
            assertThat(triggers.drain(r -> user.equals(r.key()), Duration.ofSeconds(1))).hasSize(2);
        }
    }

    @Test
    void aBatchOfManyUsersChangesComesOutWholeEachUserInVersionOrder() {
        String run = UUID.randomUUID().toString();
        int users = 200;
        int versions = 10;
        List<SegmentChange> interleaved = new ArrayList<>();
        for (int version = 1; version <= versions; version++) {
            for (int u = 0; u < users; u++) {
                interleaved.add(change(run + "-" + u, "vip", version));
            }
        }
        try (ChangeLogWriter changes = new ChangeLogWriter(bootstrapServers);
             TopicReader triggers = new TopicReader(bootstrapServers, Topics.TRIGGERS)) {
            changes.writeInOneTransaction(interleaved);

            var records = triggers.await(r -> r.key().startsWith(run), users * versions, Duration.ofSeconds(30));

            Map<String, List<String>> idsByUser = records.stream().collect(Collectors.groupingBy(ConsumerRecord::key,
                    Collectors.mapping(r -> Json.read(r.value(), JsonNode.class).get("id").asText(), Collectors.toList())));
            assertThat(idsByUser).hasSize(users);
            idsByUser.forEach((user, ids) -> assertThat(ids).containsExactlyElementsOf(
                    LongStream.rangeClosed(1, versions).mapToObj(v -> user + ":vip:" + v).toList()));
        }
    }
}
