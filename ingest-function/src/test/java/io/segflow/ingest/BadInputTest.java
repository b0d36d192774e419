package io.segflow.ingest;

import static io.restassured.RestAssured.given;
import static io.segflow.ingest.IngestTestSupport.valuesContaining;
import static io.segflow.ingest.IngestTestSupport.valuesOf;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Limits, invalid calls, the partial-batch rule and the dead-letter topic: a clear 4xx, never a 500, nothing lost. */
@QuarkusTest
class BadInputTest extends IngestTopicsTest {

    private String track(String event) {
        return "{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"" + event + "\"}";
    }

    @Test
    void batchWithInvalidItemsAcceptsTheValidOnesAndListsTheRejected() {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"context\":{\"ip\":\"10.0.0.9\"},\"batch\":[" + track("first")
                        + ",{\"type\":\"track\",\"userId\":\"" + user + "\"},"
                        + "\"not an object\"," + track("last") + "]}")
                .when().post("/v1/batch")
                .then().statusCode(200)
                .body("success", equalTo(true))
                .body("rejected", hasSize(2))
                .body("rejected[0].index", equalTo(1))
                .body("rejected[0].field", equalTo("batch[1].event"))
                .body("rejected[0].reason", equalTo("is required"))
                .body("rejected[1].index", equalTo(2))
                .body("rejected[1].field", equalTo("batch[2]"));

        assertThat(valuesOf(events, user, 2)).extracting(e -> e.get("event").asText()).containsExactly("first", "last");
        JsonNode dead = valuesOf(rejected, user, 1).getFirst();
        assertThat(dead.get("schema").asInt()).isEqualTo(1);
        assertThat(dead.get("source").asText()).isEqualTo("dev");
        assertThat(dead.get("endpoint").asText()).isEqualTo("/v1/batch");
        assertThat(dead.get("index").asInt()).isEqualTo(1);
        assertThat(dead.get("field").asText()).isEqualTo("batch[1].event");
        assertThat(dead.get("reason").asText()).isEqualTo("is required");
        assertThat(dead.get("call").get("userId").asText()).isEqualTo(user);
        assertThat(dead.get("envelope").get("context").get("ip").asText()).isEqualTo("10.0.0.9");
        assertThat(dead.hasNonNull("receivedAt")).isTrue();
    }

    @Test
    void batchWhoseItemsAreAllInvalidIsA400ListingThemAndTheyAreDeadLettered() {
        String marker = "marker-" + UUID.randomUUID();
        given().contentType(ContentType.JSON)
                .body("{\"writeKey\":\"mobile-write-key\",\"batch\":[{\"type\":\"shout\",\"userId\":\"" + user + "\","
                        + "\"properties\":{\"m\":\"" + marker + "\"}},{\"type\":\"group\",\"userId\":\"" + user + "\"}]}")
                .when().post("/v1/batch")
                .then().statusCode(400)
                .body("success", equalTo(false))
                .body("error", equalTo("invalid_event"))
                .body("field", equalTo("batch[0].type"))
                .body("rejected", hasSize(2))
                .body("rejected[1].field", equalTo("batch[1].groupId"));

        List<JsonNode> dead = valuesOf(rejected, user, 2);
        assertThat(dead).extracting(d -> d.get("source").asText()).containsOnly("mobile");
        assertThat(dead).allMatch(d -> !d.get("envelope").has("writeKey"), "the write key is not dead-lettered");
        assertThat(events.drain(r -> user.equals(r.key()), Duration.ofMillis(500))).isEmpty();
    }

    @Test
    void invalidSingleCallIsA400NamingTheFieldAndIsDeadLettered() {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"userId\":\"" + user + "\",\"event\":42}")
                .when().post("/v1/track")
                .then().statusCode(400)
                .body("error", equalTo("invalid_event"))
                .body("field", equalTo("event"))
                .body("reason", equalTo("must be a string"));

        JsonNode dead = valuesOf(rejected, user, 1).getFirst();
        assertThat(dead.get("endpoint").asText()).isEqualTo("/v1/track");
        assertThat(dead.has("index")).isFalse();
        assertThat(dead.get("call").get("event").asInt()).isEqualTo(42);
    }

    @Test
    void wrongTypesAndBadIdsAreNamed() {
        assertInvalid("/v1/identify", "{\"userId\":\"" + user + "\",\"traits\":[1]}", "traits");
        assertInvalid("/v1/track", "{\"event\":\"x\"}", "userId");
        assertInvalid("/v1/track", "{\"userId\":\"" + "u".repeat(300) + "\",\"event\":\"x\"}", "userId");
        assertInvalid("/v1/track", "{\"userId\":\"a\\nb\",\"event\":\"x\"}", "userId");
        assertInvalid("/v1/track", "{\"userId\":\"" + user + "\",\"event\":\"" + "e".repeat(201) + "\"}", "event");
        assertInvalid("/v1/track", "{\"userId\":\"" + user + "\",\"event\":\"x\",\"timestamp\":\"yesterday\"}", "timestamp");
        assertInvalid("/v1/batch", "{\"batch\":{}}", "batch");
        assertInvalid("/v1/batch", "{\"batch\":[],\"context\":\"web\"}", "context");
        assertInvalid("/v1/track", "[1,2]", "$");
        assertInvalid("/v1/track", "", "$");
    }

    @Test
    void anIdThatIsNeitherStringNorIntegerIsA400SayingWhatItMayBe() {
        for (String field : new String[] {"userId", "anonymousId", "groupId", "previousId", "messageId"}) {
            for (String value : new String[] {"1.5", "true"}) {
                given().auth().preemptive().basic("dev-write-key", "")
                        .contentType(ContentType.JSON)
                        .body("{\"userId\":\"" + user + "\",\"event\":\"x\",\"" + field + "\":" + value + "}")
                        .when().post("/v1/track")
                        .then().statusCode(400)
                        .body("error", equalTo("invalid_event"))
                        .body("field", equalTo(field))
                        .body("reason", equalTo("must be a string or an integer"));
            }
        }
    }

    @Test
    void dotAndDotDotAreNoUserIdsAsNoUrlOfTheApiCouldNameThem() {
        for (String id : new String[] {".", ".."}) {
            for (String field : new String[] {"userId", "anonymousId"}) {
                given().auth().preemptive().basic("dev-write-key", "").contentType(ContentType.JSON)
                        .body("{\"" + field + "\":\"" + id + "\",\"event\":\"x\"}")
                        .when().post("/v1/track")
                        .then().statusCode(400)
                        .body("error", equalTo("invalid_event"))
                        .body("field", equalTo(field))
                        .body("reason", containsString("must not be \".\" or \"..\""));
            }
            assertInvalid("/v1/alias", "{\"userId\":\"" + user + "\",\"previousId\":\"" + id + "\"}", "previousId");
        }
        given().auth().preemptive().basic("dev-write-key", "").contentType(ContentType.JSON)
                .body("{\"batch\":[{\"type\":\"track\",\"userId\":\"..\",\"anonymousId\":\"" + user + "\",\"event\":\"dots\"},"
                        + track("kept") + "]}")
                .when().post("/v1/batch")
                .then().statusCode(200)
                .body("rejected", hasSize(1))
                .body("rejected[0].field", equalTo("batch[0].userId"));
        assertThat(valuesOf(events, user, 1).getFirst().get("event").asText()).isEqualTo("kept");
        // Ids that merely contain dots are ids like any other.
        given().auth().preemptive().basic("dev-write-key", "").contentType(ContentType.JSON)
                .body("{\"userId\":\"..." + user + "\",\"event\":\"x\"}")
                .when().post("/v1/track")
                .then().statusCode(200);
    }

    @Test
    void integerIdsAreAcceptedAsTheirDecimalText() {
        long userId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        long messageId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"userId\":" + userId + ",\"event\":\"x\",\"messageId\":" + messageId + "}")
                .when().post("/v1/track")
                .then().statusCode(200);
        JsonNode event = valuesOf(events, Long.toString(userId), 1).getFirst();
        assertThat(event.get("userId").asText()).isEqualTo(Long.toString(userId));
        assertThat(event.get("messageId").isTextual()).isTrue();
        assertThat(event.get("messageId").asText()).isEqualTo(Long.toString(messageId));
    }

    @Test
    void aBodyThatIsNoJsonObjectIsRefusedAsAWholeAndNotDeadLettered() {
        String marker = "marker-" + UUID.randomUUID();
        for (String body : new String[] {"[\"" + marker + "\",2]", "\"" + marker + "\"", "null", ""}) {
            given().auth().preemptive().basic("dev-write-key", "")
                    .contentType(ContentType.JSON)
                    .body(body)
                    .when().post("/v1/track")
                    .then().statusCode(400)
                    .body("error", equalTo("invalid_event"))
                    .body("field", equalTo("$"))
                    .body("rejected", org.hamcrest.Matchers.nullValue());
        }
        // A dead-letter record is on the broker before the answer is sent: none came.
        assertThat(rejected.drain(r -> r.value() != null && r.value().contains(marker), Duration.ofMillis(500))).isEmpty();
    }

    @Test
    void messageIdMustBeShorterThan100Characters() {
        given().auth().preemptive().basic("dev-write-key", "").contentType(ContentType.JSON)
                .body("{\"userId\":\"" + user + "\",\"event\":\"x\",\"messageId\":\"" + "m".repeat(99) + "\"}")
                .when().post("/v1/track")
                .then().statusCode(200);
        assertInvalid("/v1/track", "{\"userId\":\"" + user + "\",\"event\":\"x\",\"messageId\":\"" + "m".repeat(100) + "\"}",
                "messageId");
    }

    private void assertInvalid(String path, String body, String field) {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body(body)
                .when().post(path)
                .then().statusCode(400)
                .body("success", equalTo(false))
                .body("error", equalTo("invalid_event"))
                .body("field", equalTo(field));
    }

    @Test
    void malformedJsonIsA400WithThePosition() {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"userId\": ")
                .when().post("/v1/track")
                .then().statusCode(400)
                .body("error", equalTo("malformed_json"))
                .body("field", equalTo("$"))
                .body("reason", containsString("line 1"));
    }

    @Test
    void aClientGoneBeforeItsBodyEndedIsNoFailureOfOurs() throws Exception {
        List<LogRecord> errors = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                    errors.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger failures = Logger.getLogger(FailureAnswers.class.getName());
        failures.addHandler(capture);
        try {
            try (Socket socket = new Socket("127.0.0.1", io.restassured.RestAssured.port)) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/track HTTP/1.1\r\nHost: ingest\r\nAuthorization: " + RawHttp.basicAuth("dev-write-key")
                        + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"userId\":").getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(300); // the body is being read: then the tab closes
            }
            // Nothing to answer and nothing accepted: no 500 logged as an error of ours (it would page an SRE).
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(errors::isEmpty);
        } finally {
            failures.removeHandler(capture);
        }
        given().auth().preemptive().basic("dev-write-key", "").contentType(ContentType.JSON)
                .body(track("after")).when().post("/v1/track").then().statusCode(200);
    }

    @Test
    void contentAfterTheJsonObjectIsA400NotDropped() {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"userId\":\"" + user + "\",\"event\":\"a\"}\n{\"userId\":\"" + user + "\",\"event\":\"b\"}")
                .when().post("/v1/track")
                .then().statusCode(400)
                .body("error", equalTo("malformed_json"))
                .body("reason", containsString("after the JSON value"));
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"batch\":[{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"a\"}]}garbage")
                .when().post("/v1/batch")
                .then().statusCode(400).body("error", equalTo("malformed_json"));
    }

    @Test
    void aTimestampBeyondTheFourDigitYearsIsA400NamingItNotA500ForTheBatch() {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"batch\":[{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"ok\"},"
                        + "{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"far\","
                        + "\"timestamp\":\"+999999999-12-31T23:59:59Z\",\"sentAt\":\"2000-01-01T00:00:00Z\"}]}")
                .when().post("/v1/batch")
                .then().statusCode(200)
                .body("rejected", hasSize(1))
                .body("rejected[0].field", equalTo("batch[1].timestamp"));
    }

    @Test
    void aTimestampThatCannotBeReadIsA400SayingWhatIsWrong() {
        assertTimestampReason("10000-01-01T00:00:00Z", "must be within the years 0000 to 9999");
        assertTimestampReason("2026-12-06T10:00:00", "has no zone offset: end it with Z (UTC) or an offset such as +01:00");
    }

    private void assertTimestampReason(String timestamp, String reason) {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"userId\":\"" + user + "\",\"event\":\"x\",\"timestamp\":\"" + timestamp + "\"}")
                .when().post("/v1/track")
                .then().statusCode(400)
                .body("error", equalTo("invalid_event"))
                .body("field", equalTo("timestamp"))
                .body("reason", equalTo(reason));
    }

    @Test
    void aBatchContextLargerThanACallIsA400NamingIt() {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"context\":{\"padding\":\"" + "x".repeat(40 * 1024) + "\"},"
                        + "\"batch\":[{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"a\"}]}")
                .when().post("/v1/batch")
                .then().statusCode(400)
                .body("error", equalTo("invalid_event"))
                .body("field", equalTo("context"));
    }

    @Test
    void eventOver32KbIsRejectedAlone() {
        String big = "{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"big\",\"properties\":{\"p\":\""
                + "x".repeat(33 * 1024) + "\"}}";
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"batch\":[" + track("small") + "," + big + "]}")
                .when().post("/v1/batch")
                .then().statusCode(200)
                .body("rejected[0].field", equalTo("batch[1]"))
                .body("rejected[0].reason", containsString("at most 32768 bytes"));
        assertThat(valuesOf(events, user, 1).getFirst().get("event").asText()).isEqualTo("small");

        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body(big)
                .when().post("/v1/track")
                .then().statusCode(400).body("field", equalTo("$")).body("reason", containsString("at most 32768 bytes"));
    }

    @Test
    void eventOfJust32KbIsAccepted() {
        String prefix = "{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"edge\",\"properties\":{\"p\":\"";
        String suffix = "\"}}";
        String item = prefix + "x".repeat(32 * 1024 - prefix.length() - suffix.length()) + suffix;
        assertThat(item.length()).isEqualTo(32 * 1024);
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"batch\":[" + item + "]}")
                .when().post("/v1/batch")
                .then().statusCode(200).body("rejected", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void requestOver500KbIsA413InJson() {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body(batchOfBytes(500 * 1024 + 1))
                .when().post("/v1/batch")
                .then().statusCode(413)
                .contentType(ContentType.JSON)
                .body("error", equalTo("request_too_large"))
                .body("field", equalTo("$"));
    }

    @Test
    void gzipBodyIsAcceptedAndLimitedAfterDecoding() throws IOException {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .header("Content-Encoding", "gzip")
                .body(gzip("{\"batch\":[" + track("zipped") + "]}"))
                .when().post("/v1/batch")
                .then().statusCode(200);
        assertThat(valuesOf(events, user, 1).getFirst().get("event").asText()).isEqualTo("zipped");

        byte[] bomb = gzip(batchOfBytes(600 * 1024));
        assertThat(bomb.length).isLessThan(100 * 1024);
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .header("Content-Encoding", "gzip")
                .body(bomb)
                .when().post("/v1/batch")
                .then().statusCode(413)
                .contentType(ContentType.JSON)
                .body("error", equalTo("request_too_large"));
    }

    @Test
    void aGzipBombIsA413InJsonWhateverItWouldExpandTo() throws IOException {
        // 8 MB once decoded: decoding stops one byte past the 500 KB limit instead of holding all of it.
        byte[] bomb = gzip("{\"batch\":[" + " ".repeat(8 * 1024 * 1024) + "]}");
        assertThat(bomb.length).isLessThan(64 * 1024);
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .header("Content-Encoding", "gzip")
                .body(bomb)
                .when().post("/v1/batch")
                .then().statusCode(413)
                .contentType(ContentType.JSON)
                .body("error", equalTo("request_too_large"))
                .body("field", equalTo("$"));
    }

    @Test
    void batchOfMoreThan2500CallsIsA400() {
        StringBuilder body = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < 2501; i++) {
            body.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\"}");
        }
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body(body.append("]}").toString())
                .when().post("/v1/batch")
                .then().statusCode(400)
                .body("field", equalTo("batch"))
                .body("reason", containsString("2500"));
    }

    @Test
    void batchOf2500CallsIsAccepted() {
        StringBuilder body = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < 2500; i++) {
            body.append(i == 0 ? "" : ",").append(track("e" + i));
        }
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body(body.append("]}").toString())
                .when().post("/v1/batch")
                .then().statusCode(200).body("rejected", org.hamcrest.Matchers.nullValue());
        assertThat(valuesOf(events, user, 2500)).hasSize(2500);
    }

    @Test
    void deadLetterRecordsCanBeFoundByTheirContent() {
        String marker = "m-" + UUID.randomUUID();
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"batch\":[" + track("ok") + ",{\"type\":\"track\",\"event\":\"" + marker + "\"}]}")
                .when().post("/v1/batch")
                .then().statusCode(200).body("rejected[0].field", equalTo("batch[1].userId"));
        assertThat(valuesContaining(rejected, marker, 1).getFirst().get("reason").asText())
                .isEqualTo("userId or anonymousId is required");
    }

    /** A valid batch of about {@code bytes} bytes. */
    private String batchOfBytes(int bytes) {
        StringBuilder body = new StringBuilder("{\"batch\":[");
        String item = track("filler");
        while (body.length() + item.length() + 3 < bytes) {
            body.append(body.length() > 10 ? "," : "").append(item);
        }
        body.append("],\"pad\":\"");
        body.append("x".repeat(Math.max(0, bytes - body.length() - 2)));
        return body.append("\"}").toString();
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
