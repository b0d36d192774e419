package io.segflow.trigger.definitions;

import static io.segflow.trigger.definitions.Definitions.change;
import static io.segflow.trigger.definitions.Definitions.unique;
import static io.segflow.trigger.definitions.Definitions.webhook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.testkit.KafkaAndRedisResource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Segment triggers with a webhook action: signed calls on entry and exit, cooldowns and caps. */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class WebhookTriggersTest extends TriggerFixture {
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private void send(SegmentChange change, Map<String, String> headers) {
        changes.send(change.userId(), Json.write(change), headers);
    }

    @Test
    void entryAndExitAreDeliveredSignedOnceEachInTheChangesTrace() throws Exception {
        String segment = unique("seg");
        String user = unique("user");
        definitions.define(unique("on-entry"), "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'action': "
                + webhook(receiver.url("/entered")) + "}");
        definitions.define(unique("on-exit"), "{'when': {'segment': '" + segment + "', 'change': 'exited'}, 'action': "
                + webhook(receiver.url("/exited")) + "}");

        send(change(user, segment, SegmentChange.ENTERED, 1), Map.of("traceparent", TRACEPARENT));
        send(change(user, segment, SegmentChange.EXITED, 2), Map.of());
        send(change(user, segment, SegmentChange.EXITED, 2), Map.of()); // segment-function publishing it again

        WebhookReceiver.Call entered = receiver.await("/entered", 1, Duration.ofSeconds(20)).get(0);
        WebhookReceiver.Call exited = receiver.await("/exited", 1, Duration.ofSeconds(20)).get(0);
        assertThat(entered.signed()).as("the signature verifies").isTrue();
        assertThat(exited.signed()).isTrue();
        JsonNode body = Json.read(entered.body(), JsonNode.class);
        assertThat(body.get("type").asText()).isEqualTo("segment.entered");
        assertThat(body.at("/data/userId").asText()).isEqualTo(user);
        assertThat(body.at("/data/segmentId").asText()).isEqualTo(segment);
        assertThat(body.at("/data/version").asLong()).isEqualTo(1);
        assertThat(Json.read(exited.body(), JsonNode.class).get("type").asText()).isEqualTo("segment.exited");
        assertThat(entered.header("traceparent")).startsWith(TRACEPARENT.substring(0, 36));
        assertThat(entered.header("webhook-id")).isNotEqualTo(exited.header("webhook-id"));
        awaitHandled(user, 3);
        assertThat(receiver.calls("/exited")).as("a republished change fires nothing").hasSize(1);
    }

    @Test
    void theExitsOfADeletedOrDisabledSegmentFireNoExitTrigger() throws Exception {
        String segment = unique("seg");
        String user = unique("user");
        definitions.define(unique("on-exit"), "{'when': {'segment': '" + segment + "', 'change': 'exited'}, 'action': "
                + webhook(receiver.url("/left")) + "}");

        send(change(user, segment, SegmentChange.ENTERED, 1), Map.of());
        send(new SegmentChange(user, segment, SegmentChange.EXITED, Instant.now(), 2, SegmentChange.REMOVAL), Map.of());
        send(change(user, segment, SegmentChange.ENTERED, 3), Map.of()); // the segment saved again
        send(change(user, segment, SegmentChange.EXITED, 4), Map.of());

        receiver.await("/left", 1, Duration.ofSeconds(20));
        awaitHandled(user, 5);
        assertThat(receiver.calls("/left")).singleElement()
                .extracting(left -> Json.read(left.body(), JsonNode.class).at("/data/version").asLong())
                .as("only the exit of a user who stopped matching").isEqualTo(4L);
    }

    @Test
    void theExitsOfAnIdMergedIntoAUserFireNoExitTrigger() throws Exception {
        String segment = unique("seg");
        String visitor = unique("anon");
        String user = unique("user");
        definitions.define(unique("on-exit"), "{'when': {'segment': '" + segment + "', 'change': 'exited'}, 'action': "
                + webhook(receiver.url("/merged-away")) + "}");
        String reminder = unique("reminder");
        definitions.define(reminder, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'delay': '1h', "
                + "'action': " + webhook(receiver.url("/merged-reminder")) + "}");
        // segment-function merged the visitor into the user: the visitor's memberships end (caused
        // merged-into:<user>) and the user takes the profile in, staying in the segment.
        send(change(visitor, segment, SegmentChange.ENTERED, 1), Map.of());
        send(new SegmentChange(visitor, segment, SegmentChange.EXITED, Instant.now(), 2,
                SegmentChange.causedByMergeInto(user)), Map.of());
        send(change(user, segment, SegmentChange.ENTERED, 1), Map.of());
        // On the user's side a merge can end a membership for real (the merged history no longer matches): it fires.
        send(new SegmentChange(user, segment, SegmentChange.EXITED, Instant.now(), 2,
                SegmentChange.causedByMerge(unique("other-anon"))), Map.of());

        receiver.await("/merged-away", 1, Duration.ofSeconds(20));
        awaitHandled(visitor, 3);
        assertThat(receiver.calls("/merged-away")).singleElement()
                .extracting(left -> Json.read(left.body(), JsonNode.class).at("/data/userId").asText())
                .as("only the user's own exit: the visitor did not leave the segment, it became the user").isEqualTo(user);
        assertThat(definitions.log(reminder)).filteredOn(entry -> entry.userId().equals(visitor))
                .as("the visitor's exit still ends its delayed entry").singleElement()
                .extracting(DeliveryEntry::status).isEqualTo(DeliveryEntry.Status.CANCELLED);
    }

    @Test
    void aCooldownAndACapSuppressFiringsAndSayWhy() throws Exception {
        String segment = unique("seg");
        String user = unique("user");
        String cooled = unique("cooled");
        String capped = unique("capped");
        definitions.define(cooled, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'cooldown': '1h', 'action': "
                + webhook(receiver.url("/cooled")) + "}");
        definitions.define(capped, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'cap': {'count': 2, 'per': '7d'}, "
                + "'action': " + webhook(receiver.url("/capped")) + "}");

        for (long version = 1; version <= 5; version++) {
            send(change(user, segment, version % 2 == 1 ? SegmentChange.ENTERED : SegmentChange.EXITED, version), Map.of());
        }

        receiver.await("/capped", 2, Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(suppressed(definitions.log(cooled))).containsExactly("cooldown", "cooldown");
            assertThat(suppressed(definitions.log(capped))).containsExactly("cap");
        });
        assertThat(receiver.calls("/cooled")).hasSize(1);
        assertThat(receiver.calls("/capped")).hasSize(2);
        assertThat(io.restassured.RestAssured.get("/q/metrics").asString())
                .contains("segflow_trigger_suppressed_total{reason=\"cap\",trigger=\"" + capped + "\"} 1.0");
    }

    private static List<String> suppressed(List<DeliveryEntry> log) {
        return log.stream().filter(e -> e.status() == DeliveryEntry.Status.SUPPRESSED).map(DeliveryEntry::suppressed).toList();
    }
}
