package io.segflow.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.TopicReader;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class CollectorResourceTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private TopicReader events;
    private String user;

    @BeforeEach
    void setUp() {
        events = new TopicReader(bootstrapServers, Topics.EVENTS);
        user = "user-" + UUID.randomUUID();
    }

    @AfterEach
    void tearDown() {
        events.close();
    }

    private List<JsonNode> recordsOf(String key, int count) {
        return events.await(r -> key.equals(r.key()), count, WAIT).stream()
                .map(ConsumerRecord::value).map(v -> Json.read(v, JsonNode.class)).toList();
    }

    @Test
    void trackWithBasicAuthReachesKafkaKeyedByUser() {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"userId\":\"" + user + "\",\"event\":\"add_to_cart\",\"properties\":{\"sku\":\"A1\"},\"messageId\":\"m-1\"}")
                .when().post("/v1/track")
                .then().statusCode(200).body("success", equalTo(true));

        JsonNode event = recordsOf(user, 1).get(0);
        assertThat(event.get("schema").asInt()).isEqualTo(1);
        assertThat(event.get("type").asText()).isEqualTo("track");
        assertThat(event.get("event").asText()).isEqualTo("add_to_cart");
        assertThat(event.get("messageId").asText()).isEqualTo("m-1");
        assertThat(event.get("properties").get("sku").asText()).isEqualTo("A1");
        assertThat(event.get("source").asText()).isEqualTo("dev");
        assertThat(event.hasNonNull("receivedAt")).isTrue();
    }

    @Test
    void identifyWithWriteKeyInBodyIsKeyedByAnonymousIdWhenNoUserId() {
        given().contentType(ContentType.JSON)
                .body("{\"writeKey\":\"mobile-write-key\",\"anonymousId\":\"" + user + "\",\"traits\":{\"plan\":\"pro\"}}")
                .when().post("/v1/identify")
                .then().statusCode(200);

        JsonNode event = recordsOf(user, 1).get(0);
        assertThat(event.get("type").asText()).isEqualTo("identify");
        assertThat(event.get("traits").get("plan").asText()).isEqualTo("pro");
        assertThat(event.get("source").asText()).isEqualTo("mobile");
    }

    @Test
    void batchWritesEveryItem() {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"batch\":[{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"a\"},"
                        + "{\"type\":\"page\",\"userId\":\"" + user + "\",\"name\":\"Home\"}],"
                        + "\"context\":{\"ip\":\"10.0.0.1\"}}")
                .when().post("/v1/batch")
                .then().statusCode(200);

        List<JsonNode> written = recordsOf(user, 2);
        assertThat(written).extracting(e -> e.get("type").asText()).containsExactly("track", "page");
        assertThat(written).allMatch(e -> e.get("context").get("ip").asText().equals("10.0.0.1"));
    }

    @Test
    void missingEventNameIsA400NamingTheField() {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"userId\":\"" + user + "\"}")
                .when().post("/v1/track")
                .then().statusCode(400)
                .body("error", equalTo("invalid_event"))
                .body("field", equalTo("event"));
    }

    @Test
    void invalidBatchItemIsNamedWithItsIndex() {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"a\"},{\"type\":\"track\",\"userId\":\"u\"}]}")
                .when().post("/v1/batch")
                .then().statusCode(400)
                .body("field", equalTo("batch[1].event"));
    }

    @Test
    void malformedJsonIsA400() {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"userId\": ")
                .when().post("/v1/track")
                .then().statusCode(400)
                .body("error", equalTo("malformed_json"));
    }

    @Test
    void unknownOrMissingWriteKeyIsA401() {
        given().auth().preemptive().basic("wrong-key", "")
                .contentType(ContentType.JSON)
                .body("{\"userId\":\"u\",\"event\":\"a\"}")
                .when().post("/v1/track")
                .then().statusCode(401).body("field", equalTo("writeKey"));
        given().contentType(ContentType.JSON)
                .body("{\"userId\":\"u\",\"event\":\"a\"}")
                .when().post("/v1/track")
                .then().statusCode(401);
    }

    @Test
    void unknownCallIsA404() {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"userId\":\"u\"}")
                .when().post("/v1/shout")
                .then().statusCode(404).body("error", equalTo("unknown_call"));
    }
}
