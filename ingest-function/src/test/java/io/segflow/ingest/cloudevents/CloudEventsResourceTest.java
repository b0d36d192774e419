package io.segflow.ingest.cloudevents;

import static io.restassured.RestAssured.given;
import static io.segflow.ingest.IngestTestSupport.valuesContaining;
import static io.segflow.ingest.IngestTestSupport.valuesOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.ingest.IngestTopicsTest;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The three CloudEvents content modes at POST /, mapped to Segment calls, on real Kafka. */
@QuarkusTest
class CloudEventsResourceTest extends IngestTopicsTest {

    @Test
    void binaryModeWithASegmentCallIsIngestedAsThatCall() {
        given().header("ce-specversion", "1.0")
                .header("ce-id", "evt-1")
                .header("ce-source", "/shop/checkout")
                .header("ce-type", "com.example.shop.track")
                .header("ce-time", "2026-11-26T10:00:00Z")
                .contentType("application/json")
                .body("{\"userId\":\"" + user + "\",\"event\":\"order_completed\",\"properties\":{\"total\":42}}")
                .when().post("/")
                .then().statusCode(200);

        JsonNode event = valuesOf(events, user, 1).getFirst();
        assertThat(event.get("type").asText()).isEqualTo("track");
        assertThat(event.get("event").asText()).isEqualTo("order_completed");
        assertThat(event.get("properties").get("total").asInt()).isEqualTo(42);
        assertThat(event.get("timestamp").asText()).isEqualTo("2026-11-26T10:00:00Z");
        assertThat(event.get("source").asText()).isEqualTo("knative");
        assertThat(event.get("context").get("cloudevent").get("id").asText()).isEqualTo("evt-1");
        assertThat(event.get("context").get("cloudevent").get("source").asText()).isEqualTo("/shop/checkout");
        assertThat(UUID.fromString(event.get("messageId").asText()))
                .isEqualTo(UUID.nameUUIDFromBytes("/shop/checkout\nevt-1".getBytes()));
    }

    @Test
    void knativeKafkaSourceEventWithoutSegmentDataBecomesATrackOfItsTypeForTheRecordKey() {
        // As a KafkaSource sends a record: its subject and id name the partition and offset, its key extension the key.
        given().header("ce-specversion", "1.0")
                .header("ce-id", "partition:0/offset:17")
                .header("ce-source", "/apis/v1/namespaces/shop/kafkasources/orders#orders")
                .header("ce-type", "dev.knative.kafka.event")
                .header("ce-subject", "partition:0#17")
                .header("ce-key", user)
                .contentType("application/json")
                .body("{\"orderId\":\"o-1\",\"total\":12.5}")
                .when().post("/")
                .then().statusCode(200);

        JsonNode event = valuesOf(events, user, 1).getFirst();
        assertThat(event.get("type").asText()).isEqualTo("track");
        assertThat(event.get("event").asText()).isEqualTo("dev.knative.kafka.event");
        assertThat(event.get("userId").asText()).isEqualTo(user);
        assertThat(event.get("properties").get("orderId").asText()).isEqualTo("o-1");
    }

    @Test
    void knativeKafkaSourceRecordWithoutKeyIsRefusedRatherThanFiledUnderItsOffset() {
        given().header("ce-specversion", "1.0")
                .header("ce-id", "partition:1/offset:4")
                .header("ce-source", "/apis/v1/namespaces/shop/kafkasources/orders#orders")
                .header("ce-type", "dev.knative.kafka.event")
                .header("ce-subject", "partition:1#4")
                .contentType("application/json")
                .body("{\"orderId\":\"" + user + "\"}")
                .when().post("/")
                .then().statusCode(400)
                .body("field", equalTo("ce-key"))
                .body("reason", containsString("KafkaSource"));

        assertThat(valuesContaining(rejected, user, 1).getFirst().get("field").asText()).isEqualTo("ce-key");
    }

    @Test
    void anAcceptedEventIsAnsweredWithoutABodyForKnativeNotToTakeItForABadReply() {
        // A Knative broker or channel reads a 200's body as a reply event, and one that is not a CloudEvent as a
        // failed delivery, which it retries and then dead-letters.
        given().header("Prefer", "reply")
                .header("ce-specversion", "1.0")
                .header("ce-id", "k-1")
                .header("ce-source", "/apis/v1/namespaces/shop/pingsources/beat")
                .header("ce-type", "com.example.track")
                .header("ce-knativearrivaltime", "2026-11-26T10:00:00Z")
                .contentType("application/json")
                .body("{\"userId\":\"" + user + "\",\"event\":\"via_broker\"}")
                .when().post("/")
                .then().statusCode(200).header("Content-Type", nullValue()).body(emptyString());
        given().header("Prefer", "reply")
                .contentType("application/cloudevents+json")
                .body("{\"specversion\":\"1.0\",\"id\":\"k-2\",\"source\":\"web\",\"type\":\"com.example.track\","
                        + "\"data\":{\"userId\":\"" + user + "\",\"event\":\"via_broker\"}}")
                .when().post("/")
                .then().statusCode(200).header("Content-Type", nullValue()).body(emptyString());

        assertThat(valuesOf(events, user, 2)).extracting(e -> e.get("event").asText()).containsOnly("via_broker");
    }

    @Test
    void structuredModeWithAWriteKeyTakesThatSource() {
        given().auth().preemptive().basic("mobile-write-key", "")
                .contentType("application/cloudevents+json; charset=utf-8")
                .body("{\"specversion\":\"1.0\",\"id\":\"e-2\",\"source\":\"app\",\"type\":\"com.example.identify\","
                        + "\"subject\":\"" + user + "\",\"data\":{\"traits\":{\"plan\":\"pro\"}}}")
                .when().post("/")
                .then().statusCode(200);

        JsonNode event = valuesOf(events, user, 1).getFirst();
        assertThat(event.get("type").asText()).isEqualTo("identify");
        assertThat(event.get("traits").get("plan").asText()).isEqualTo("pro");
        assertThat(event.get("source").asText()).isEqualTo("mobile");
    }

    @Test
    void structuredModeAcceptsDataBase64() {
        String data = Base64.getEncoder().encodeToString(
                ("{\"type\":\"page\",\"anonymousId\":\"" + user + "\",\"name\":\"Home\"}").getBytes());
        given().contentType("application/cloudevents+json")
                .body("{\"specversion\":\"1.0\",\"id\":\"e-3\",\"source\":\"web\",\"type\":\"com.example.any\","
                        + "\"data_base64\":\"" + data + "\"}")
                .when().post("/")
                .then().statusCode(200);

        assertThat(valuesOf(events, user, 1).getFirst().get("name").asText()).isEqualTo("Home");
    }

    @Test
    void batchedModeAcceptsTheValidEventsAndListsTheRejected() {
        given().contentType("application/cloudevents-batch+json")
                .body("[{\"specversion\":\"1.0\",\"id\":\"b-1\",\"source\":\"web\",\"type\":\"com.example.track\","
                        + "\"data\":{\"userId\":\"" + user + "\",\"event\":\"first\"}},"
                        + "{\"specversion\":\"1.0\",\"source\":\"web\",\"type\":\"com.example.track\","
                        + "\"data\":{\"userId\":\"" + user + "\",\"event\":\"no id\"}},"
                        + "{\"specversion\":\"0.3\",\"id\":\"b-3\",\"source\":\"web\",\"type\":\"t\",\"subject\":\"" + user + "\"},"
                        + "{\"specversion\":\"1.0\",\"id\":\"b-4\",\"source\":\"web\",\"type\":\"com.example.group\","
                        + "\"data\":{\"userId\":\"" + user + "\"}},"
                        + "{\"specversion\":\"1.0\",\"id\":\"b-5\",\"source\":\"web\",\"type\":\"com.example.track\","
                        + "\"data\":{\"userId\":\"" + user + "\",\"event\":\"last\"}}]")
                .when().post("/")
                .then().statusCode(200)
                .body("success", equalTo(true))
                .body("rejected", hasSize(3))
                .body("rejected[0].index", equalTo(1)).body("rejected[0].field", equalTo("[1].id"))
                .body("rejected[1].field", equalTo("[2].specversion"))
                .body("rejected[2].field", equalTo("[3].data.groupId"));

        List<JsonNode> written = valuesOf(events, user, 2);
        assertThat(written).extracting(e -> e.get("event").asText()).containsExactly("first", "last");
        List<JsonNode> dead = valuesContaining(rejected, user, 3);
        assertThat(dead).extracting(d -> d.get("field").asText())
                .containsExactlyInAnyOrder("[1].id", "[2].specversion", "[3].data.groupId");
        assertThat(dead).allMatch(d -> d.get("endpoint").asText().equals("/"));
    }

    @Test
    void missingRequiredAttributeInBinaryModeIsA400NamingTheHeader() {
        given().header("ce-specversion", "1.0")
                .header("ce-id", "x")
                .header("ce-type", "com.example.track")
                .contentType("application/json")
                .body("{\"userId\":\"" + user + "\",\"event\":\"e\"}")
                .when().post("/")
                .then().statusCode(400)
                .body("error", equalTo("invalid_event"))
                .body("field", equalTo("ce-source"));
        given().contentType("application/json")
                .body("{\"userId\":\"" + user + "\",\"event\":\"e\"}")
                .when().post("/")
                .then().statusCode(400).body("field", equalTo("ce-id"));
    }

    @Test
    void structuredModeErrorsAreNamed() {
        given().contentType("application/cloudevents+json")
                .body("{\"specversion\":\"1.0\",\"id\":\"e\",\"source\":\"s\",\"type\":\"com.example.track\",\"data\":{\"event\":\"e\"}}")
                .when().post("/")
                .then().statusCode(400).body("field", equalTo("data.userId"));
        given().contentType("application/cloudevents+json")
                .body("{\"specversion\":\"1.0\",")
                .when().post("/")
                .then().statusCode(400).body("error", equalTo("malformed_json"));
        given().contentType("application/cloudevents+json")
                .body("{\"specversion\":\"1.0\",\"id\":\"e\",\"source\":\"s\",\"type\":\"t\",\"data\":[1]}")
                .when().post("/")
                .then().statusCode(400).body("field", equalTo("data"));
    }

    @Test
    void anUnreadableTimeIsA400NamingTheTimeAttributeNotTheTimestampItStandsFor() {
        given().header("ce-specversion", "1.0").header("ce-id", "x").header("ce-source", "s").header("ce-type", "com.example.track")
                .header("ce-time", "yesterday")
                .contentType("application/json")
                .body("{\"userId\":\"" + user + "\",\"event\":\"e\"}")
                .when().post("/")
                .then().statusCode(400)
                .body("error", equalTo("invalid_event"))
                .body("field", equalTo("ce-time"))
                .body("reason", containsString("ISO-8601"));
        given().contentType("application/cloudevents+json")
                .body("{\"specversion\":\"1.0\",\"id\":\"e\",\"source\":\"s\",\"type\":\"t\",\"subject\":\"" + user
                        + "\",\"time\":\"2026-12-06T10:00:00\",\"data\":{\"event\":\"e\"}}")
                .when().post("/")
                .then().statusCode(400)
                .body("field", equalTo("time"))
                .body("reason", containsString("zone offset"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Basic !!!", "Basic Og==", "Bearer some-token"})
    void anAuthorizationHeaderWithoutAKnownWriteKeyIsA401NotTheTrustedSource(String authorization) {
        given().header("Authorization", authorization)
                .contentType("application/cloudevents+json")
                .body("{\"specversion\":\"1.0\",\"id\":\"e\",\"source\":\"s\",\"type\":\"t\",\"subject\":\"u\"}")
                .when().post("/")
                .then().statusCode(401).body("field", equalTo("writeKey"));
    }

    @Test
    void contentAfterTheEventIsA400NotDropped() {
        given().contentType("application/cloudevents+json")
                .body("{\"specversion\":\"1.0\",\"id\":\"e\",\"source\":\"s\",\"type\":\"t\",\"subject\":\"u\"} {\"id\":\"f\"}")
                .when().post("/")
                .then().statusCode(400).body("error", equalTo("malformed_json"));
        given().contentType("application/cloudevents-batch+json")
                .body("[{\"specversion\":\"1.0\",\"id\":\"e\",\"source\":\"s\",\"type\":\"t\",\"subject\":\"u\"}] []")
                .when().post("/")
                .then().statusCode(400).body("error", equalTo("malformed_json"));
        given().header("ce-specversion", "1.0").header("ce-id", "e").header("ce-source", "s").header("ce-type", "t")
                .header("ce-subject", "u").contentType("application/json")
                .body("{\"a\":1}{\"b\":2}")
                .when().post("/")
                .then().statusCode(400).body("error", equalTo("malformed_json"));
    }

    @Test
    void unknownWriteKeyIsA401EvenWithATrustedSource() {
        given().auth().preemptive().basic("wrong-key", "")
                .contentType("application/cloudevents+json")
                .body("{\"specversion\":\"1.0\",\"id\":\"e\",\"source\":\"s\",\"type\":\"t\",\"subject\":\"u\"}")
                .when().post("/")
                .then().statusCode(401).body("field", equalTo("writeKey"));
    }
}
