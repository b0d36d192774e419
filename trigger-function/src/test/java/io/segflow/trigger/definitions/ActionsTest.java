package io.segflow.trigger.definitions;

import static io.segflow.trigger.definitions.Definitions.change;
import static io.segflow.trigger.definitions.Definitions.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.RebindingNames;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicReader;
import io.segflow.trigger.deliver.DeadFirings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The Segment, CloudEvents and Kafka actions, and the refusal of internal addresses. */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class ActionsTest extends TriggerFixture {

    private String onEntry(String action) {
        String segment = unique("seg");
        definitions.define(unique("action"), "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'action': " + action + "}");
        return segment;
    }

    private void enter(String user, String segment) {
        changes.send(user, Json.write(change(user, segment, SegmentChange.ENTERED, 1)));
    }

    @Test
    void theSegmentActionSendsAudienceEnteredAsEngageDoes() throws Exception {
        String segment = onEntry("{'type': 'segment', 'url': '" + receiver.url("") + "/', 'writeKey': 'wk-1'}");
        String user = unique("user");

        enter(user, segment);

        WebhookReceiver.Call call = receiver.await("/v1/track", 1, Duration.ofSeconds(20)).get(0);
        assertThat(call.header("authorization")).isEqualTo("Basic " + Base64.getEncoder().encodeToString("wk-1:".getBytes(StandardCharsets.UTF_8)));
        JsonNode track = Json.read(call.body(), JsonNode.class);
        assertThat(track.get("type").asText()).isEqualTo("track");
        assertThat(track.get("userId").asText()).isEqualTo(user);
        assertThat(track.get("event").asText()).isEqualTo("Audience Entered");
        assertThat(track.at("/properties/audience_key").asText()).isEqualTo(segment);
        assertThat(track.at("/properties/" + segment).asBoolean()).isTrue();
        assertThat(track.get("messageId").asText()).startsWith("sf_");
    }

    @Test
    void theCloudEventsActionPostsABinaryModeEvent() throws Exception {
        String segment = onEntry("{'type': 'cloudevents', 'url': '" + receiver.url("/broker") + "'}");
        String user = unique("user");

        enter(user, segment);

        WebhookReceiver.Call call = receiver.await("/broker", 1, Duration.ofSeconds(20)).get(0);
        assertThat(call.header("ce-specversion")).isEqualTo("1.0");
        assertThat(call.header("ce-type")).isEqualTo("io.segflow.segment.entered.v1");
        assertThat(call.header("ce-subject")).isEqualTo(user);
        assertThat(call.header("ce-partitionkey")).isEqualTo(user);
        assertThat(call.header("ce-id")).startsWith("sf_");
        assertThat(call.header("ce-source")).startsWith("/segflow/triggers/");
        assertThat(Json.read(call.body(), JsonNode.class).get("segmentId").asText()).isEqualTo(segment);
    }

    @Test
    void theKafkaActionWritesTheTriggerRecordKeyedByUser() {
        String topic = unique("my.triggers");
        String segment = onEntry("{'type': 'kafka', 'topic': '" + topic + "'}");
        String user = unique("user");
        try (TopicReader records = new TopicReader(TestServices.kafkaBootstrapServers(), topic)) {
            enter(user, segment);

            JsonNode record = Json.read(records.await(r -> user.equals(r.key()), 1, Duration.ofSeconds(20)).get(0).value(), JsonNode.class);
            assertThat(record.get("kind").asText()).isEqualTo("segment.entered");
            assertThat(record.get("segmentId").asText()).isEqualTo(segment);
        }
    }

    @Test
    void aCallConnectsToTheAddressTheGuardCheckedNotToWhatASecondLookupSays() throws Exception {
        // The name answers the receiver's address to one lookup and an address where nothing listens to the next.
        String host = "hooks-" + unique("p") + RebindingNames.SUFFIX;
        String url = receiver.url("/pinned").replace("127.0.0.1", host);
        String segment = onEntry(Definitions.webhook(url));

        enter(unique("user"), segment);

        WebhookReceiver.Call call = receiver.await("/pinned", 1, Duration.ofSeconds(20)).get(0);
        assertThat(call.header("host")).as("the endpoint still named in Host").startsWith(host + ":");
        assertThat(call.signed()).isTrue();
    }

    @Test
    void anInternalAddressNotAllowedIsNeverCalled() {
        String segment = onEntry(Definitions.webhook("http://169.254.169.254/latest/meta-data"));
        String user = unique("user");
        try (TopicReader dead = new TopicReader(TestServices.kafkaBootstrapServers(), DeadFirings.TOPIC)) {
            enter(user, segment);

            JsonNode record = Json.read(dead.await(r -> user.equals(r.key()), 1, Duration.ofSeconds(20)).get(0).value(), JsonNode.class);
            assertThat(record.get("lastError").asText()).startsWith("refused:").contains("169.254.169.254");
        }
    }
}
