package io.segflow.ingest;

import static io.restassured.RestAssured.given;
import static io.segflow.ingest.IngestTestSupport.valuesOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.segflow.core.Topics;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.EmbeddedKafka;
import io.segflow.testkit.TopicReader;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Ingest on a broker that goes away and comes back: 503 with Retry-After while it is gone (never a 200), 429 when
 * too many events wait for it, 200 again once it is back. Also checks the W3C trace context on the records.
 */
@QuarkusTest
@TestProfile(KafkaOutageTest.OutageProfile.class)
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaOutageTest {

    /** Ingest on the stoppable broker, with short timeouts, a small in-flight bound, and tracing on. */
    public static class OutageProfile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            String bootstrap = StoppableKafka.instance().bootstrapServers();
            return Map.ofEntries(
                    Map.entry("segflow.producer.bootstrap.servers", bootstrap),
                    Map.entry("segflow.producer.delivery.timeout.ms", "2500"),
                    Map.entry("segflow.producer.request.timeout.ms", "1000"),
                    Map.entry("segflow.producer.max.block.ms", "1000"),
                    Map.entry("segflow.ack-timeout", "4s"),
                    Map.entry("segflow.max-in-flight-events", "5"),
                    Map.entry("quarkus.otel.sdk.disabled", "false"),
                    Map.entry("quarkus.otel.traces.exporter", "none"));
        }
    }

    @Inject
    InFlightEvents inFlight;

    private static Response track(String user) {
        return given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"userId\":\"" + user + "\",\"event\":\"e\"}")
                .when().post("/v1/track");
    }

    private static Response batch(String user, int size) {
        StringBuilder body = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < size; i++) {
            body.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"").append(user).append("\",\"event\":\"e\"}");
        }
        return given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON).body(body.append("]}").toString())
                .when().post("/v1/batch");
    }

    @Test
    @Order(1)
    void recordsCarryTheRequestsTraceContext() {
        String user = "user-" + UUID.randomUUID();
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        given().auth().preemptive().basic("dev-write-key", "")
                .header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")
                .contentType(ContentType.JSON)
                .body("{\"userId\":\"" + user + "\",\"event\":\"traced\"}")
                .when().post("/v1/track")
                .then().statusCode(200);

        try (TopicReader events = new TopicReader(StoppableKafka.instance().bootstrapServers(), Topics.EVENTS)) {
            ConsumerRecord<String, String> record = events.await(r -> user.equals(r.key()), 1, IngestTestSupport.WAIT).getFirst();
            Header traceparent = record.headers().lastHeader("traceparent");
            assertThat(traceparent).isNotNull();
            assertThat(new String(traceparent.value(), StandardCharsets.UTF_8)).startsWith("00-" + traceId + "-");
        }
    }

    @Test
    @Order(2)
    void brokerDownMeans503WithRetryAfterAndOverloadMeans429ThenRecovery() throws Exception {
        EmbeddedKafka kafka = StoppableKafka.instance();
        kafka.stopBroker();
        try {
            track("user-" + UUID.randomUUID()).then()
                    .statusCode(503)
                    .header("Retry-After", notNullValue())
                    .body("success", equalTo(false))
                    .body("error", equalTo("unavailable"));

            // Four events wait for the missing broker; two more would pass the bound of five.
            CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(() -> batch("user-waiting", 4).statusCode());
            await().atMost(Duration.ofSeconds(10)).until(() -> inFlight.current() >= 4);
            batch("user-" + UUID.randomUUID(), 2).then()
                    .statusCode(429)
                    .header("Retry-After", equalTo("1"))
                    .body("error", equalTo("overloaded"));
            assertThat(waiting.get()).isEqualTo(503);
        } finally {
            kafka.startBroker();
        }

        String user = "user-" + UUID.randomUUID();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> track(user).statusCode() == 200);
        try (TopicReader events = new TopicReader(kafka.bootstrapServers(), Topics.EVENTS)) {
            assertThat(valuesOf(events, user, 1).getFirst().get("event").asText()).isEqualTo("e");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> inFlight.current() == 0);
    }
}
