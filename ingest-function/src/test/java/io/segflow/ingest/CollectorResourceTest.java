package io.segflow.ingest;

import static io.restassured.RestAssured.given;
import static io.segflow.ingest.IngestTestSupport.valuesOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every Segment call and short path, both content types, both auth styles, and Segment's semantics, on real Kafka. */
@QuarkusTest
class CollectorResourceTest extends IngestTopicsTest {

    /** A minimal valid call of each type for {@link #user}. */
    private String callOf(String type) {
        String fields = switch (type) {
            case "track" -> "\"event\":\"add_to_cart\"";
            case "page", "screen" -> "\"name\":\"Home\"";
            case "group" -> "\"groupId\":\"g1\"";
            case "alias" -> "\"previousId\":\"anon-1\"";
            default -> "\"traits\":{\"plan\":\"pro\"}";
        };
        return "{\"userId\":\"" + user + "\"," + fields + "}";
    }

    @ParameterizedTest
    @CsvSource({"identify,identify", "i,identify", "track,track", "t,track", "page,page", "p,page",
            "screen,screen", "s,screen", "group,group", "g,group", "alias,alias", "a,alias"})
    void everyCallAndShortPathReachesKafkaWithItsType(String path, String type) {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body(callOf(type))
                .when().post("/v1/" + path)
                .then().statusCode(200).body("success", equalTo(true)).body("rejected", nullValue());

        assertThat(valuesOf(events, user, 1).getFirst().get("type").asText()).isEqualTo(type);
    }

    @ParameterizedTest
    @ValueSource(strings = {"batch", "b", "import"})
    void batchShortPathAndImportWriteEveryItem(String path) {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"batch\":[{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"a\"},"
                        + "{\"type\":\"page\",\"userId\":\"" + user + "\",\"name\":\"Home\"}]}")
                .when().post("/v1/" + path)
                .then().statusCode(200).body("success", equalTo(true));

        assertThat(valuesOf(events, user, 2)).extracting(e -> e.get("type").asText()).containsExactly("track", "page");
    }

    @Test
    void textPlainBodyWithWriteKeyInBodyIsAcceptedAsAnalyticsJsSendsIt() {
        given().contentType("text/plain;charset=UTF-8")
                .body("{\"writeKey\":\"mobile-write-key\",\"type\":\"track\",\"anonymousId\":\"" + user + "\",\"event\":\"x\"}")
                .when().post("/v1/t")
                .then().statusCode(200);

        JsonNode event = valuesOf(events, user, 1).getFirst();
        assertThat(event.get("source").asText()).isEqualTo("mobile");
        assertThat(event.has("writeKey")).isFalse();
    }

    @Test
    void trackWithBasicAuthCarriesSegmentFields() {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"userId\":\"" + user + "\",\"anonymousId\":\"a-1\",\"event\":\"add_to_cart\","
                        + "\"properties\":{\"sku\":\"A1\",\"price\":9.5,\"tags\":[\"x\"]},\"messageId\":\"m-1\","
                        + "\"context\":{\"ip\":\"10.0.0.1\",\"library\":{\"name\":\"analytics.js\"}},"
                        + "\"integrations\":{\"All\":false}}")
                .when().post("/v1/track")
                .then().statusCode(200).body("success", equalTo(true));

        JsonNode event = valuesOf(events, user, 1).getFirst();
        assertThat(event.get("schema").asInt()).isEqualTo(1);
        assertThat(event.get("type").asText()).isEqualTo("track");
        assertThat(event.get("event").asText()).isEqualTo("add_to_cart");
        assertThat(event.get("messageId").asText()).isEqualTo("m-1");
        assertThat(event.get("anonymousId").asText()).isEqualTo("a-1");
        assertThat(event.get("properties").toString()).isEqualTo("{\"sku\":\"A1\",\"price\":9.5,\"tags\":[\"x\"]}");
        assertThat(event.get("context").get("library").get("name").asText()).isEqualTo("analytics.js");
        assertThat(event.get("integrations").get("All").asBoolean()).isFalse();
        assertThat(event.get("source").asText()).isEqualTo("dev");
        assertThat(Instant.parse(event.get("receivedAt").asText())).isBeforeOrEqualTo(Instant.now());
    }

    @Test
    void aPagesNameAndCategoryAreKeptAtTheTopAndInPropertiesWhereTheyHaveNone() {
        // analytics-node sends name and category only at the top; analytics.js also puts them in properties.
        given().auth().preemptive().basic("dev-write-key", "").contentType(ContentType.JSON)
                .body("{\"batch\":["
                        + "{\"type\":\"page\",\"userId\":\"" + user + "\",\"name\":\"Shoes\",\"category\":\"Shop\","
                        + "\"properties\":{\"path\":\"/shoes\"}},"
                        + "{\"type\":\"screen\",\"userId\":\"" + user + "\",\"name\":\"Cart\",\"category\":\"Checkout\"},"
                        + "{\"type\":\"page\",\"userId\":\"" + user + "\",\"name\":\"Home\",\"category\":\"Top\","
                        + "\"properties\":{\"name\":\"Start\",\"category\":\"Landing\"}}]}")
                .when().post("/v1/batch")
                .then().statusCode(200).body("rejected", nullValue());

        List<JsonNode> written = valuesOf(events, user, 3);
        assertThat(written.get(0).get("category").asText()).isEqualTo("Shop");
        assertThat(written.get(0).get("properties").toString())
                .isEqualTo("{\"path\":\"/shoes\",\"name\":\"Shoes\",\"category\":\"Shop\"}");
        assertThat(written.get(1).get("name").asText()).isEqualTo("Cart");
        assertThat(written.get(1).get("category").asText()).isEqualTo("Checkout");
        assertThat(written.get(1).get("properties").toString()).isEqualTo("{\"name\":\"Cart\",\"category\":\"Checkout\"}");
        assertThat(written.get(2).get("category").asText()).isEqualTo("Top");
        assertThat(written.get(2).get("properties").toString()).isEqualTo("{\"name\":\"Start\",\"category\":\"Landing\"}");
    }

    @Test
    void aCategoryIsHeldToTheRulesOfAName() {
        given().auth().preemptive().basic("dev-write-key", "").contentType(ContentType.JSON)
                .body("{\"userId\":\"" + user + "\",\"category\":5}")
                .when().post("/v1/page")
                .then().statusCode(400).body("error", equalTo("invalid_event")).body("field", equalTo("category"));
    }

    @Test
    void aUtf16BodyIsReadAsTheJsonItEncodes() {
        // JSON may come as UTF-16/32; Jackson detects it. It must be read, never answered with a 500.
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body(("{\"userId\":\"" + user + "\",\"event\":\"utf16\",\"context\":{\"locale\":\"de\"}}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_16LE))
                .when().post("/v1/track")
                .then().statusCode(200);

        JsonNode event = valuesOf(events, user, 1).getFirst();
        assertThat(event.get("event").asText()).isEqualTo("utf16");
        assertThat(event.get("context").get("locale").asText()).isEqualTo("de");
    }

    @Test
    void generatesMessageIdAndCorrectsClockSkew() {
        // The client's clock is a day ahead; it sent the event 5 s after it happened.
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"batch\":[{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"a\","
                        + "\"timestamp\":\"2099-01-02T00:00:00Z\"}],\"sentAt\":\"2099-01-02T00:00:05Z\"}")
                .when().post("/v1/batch")
                .then().statusCode(200);

        JsonNode event = valuesOf(events, user, 1).getFirst();
        Instant receivedAt = Instant.parse(event.get("receivedAt").asText());
        assertThat(Instant.parse(event.get("timestamp").asText())).isEqualTo(receivedAt.minusSeconds(5));
        assertThat(event.get("originalTimestamp").asText()).isEqualTo("2099-01-02T00:00:00Z");
        assertThat(UUID.fromString(event.get("messageId").asText())).isNotNull();
    }

    @Test
    void batchContextAndIntegrationsAreMergedIntoItemsWhoseKeysWin() {
        given().contentType(ContentType.JSON)
                .body("{\"writeKey\":\"dev-write-key\",\"context\":{\"ip\":\"10.0.0.1\",\"locale\":\"de\"},"
                        + "\"integrations\":{\"All\":true},\"batch\":["
                        + "{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"a\",\"context\":{\"locale\":\"fr\"}},"
                        + "{\"type\":\"identify\",\"userId\":\"" + user + "\",\"integrations\":{\"All\":false}}]}")
                .when().post("/v1/batch")
                .then().statusCode(200);

        List<JsonNode> written = valuesOf(events, user, 2);
        assertThat(written.get(0).get("context").toString()).isEqualTo("{\"ip\":\"10.0.0.1\",\"locale\":\"fr\"}");
        assertThat(written.get(1).get("context").get("locale").asText()).isEqualTo("de");
        assertThat(written.get(0).get("integrations").get("All").asBoolean()).isTrue();
        assertThat(written.get(1).get("integrations").get("All").asBoolean()).isFalse();
    }

    @Test
    void contextIpIsTheCallersAddressUnlessTheCallOrBatchNamesOne() {
        given().auth().preemptive().basic("dev-write-key", "").contentType(ContentType.JSON)
                .body("{\"batch\":["
                        + "{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"a\",\"context\":{\"locale\":\"fr\"}},"
                        + "{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"b\"},"
                        + "{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"c\",\"context\":{\"ip\":\"10.9.9.9\"}}]}")
                .when().post("/v1/batch")
                .then().statusCode(200);
        // The tests trust the loopback proxy: its X-Forwarded-For names the browser.
        given().auth().preemptive().basic("dev-write-key", "").contentType(ContentType.JSON)
                .header("X-Forwarded-For", "203.0.113.7, 127.0.0.1")
                .body("{\"userId\":\"" + user + "\",\"event\":\"d\"}")
                .when().post("/v1/track")
                .then().statusCode(200);

        List<JsonNode> written = valuesOf(events, user, 4);
        assertThat(written.get(0).get("context").toString()).isEqualTo("{\"locale\":\"fr\",\"ip\":\"127.0.0.1\"}");
        assertThat(written.get(1).get("context").get("ip").asText()).isEqualTo("127.0.0.1");
        assertThat(written.get(2).get("context").get("ip").asText()).isEqualTo("10.9.9.9");
        assertThat(written.get(3).get("context").get("ip").asText()).isEqualTo("203.0.113.7");
    }

    @Test
    void recordsAreKeyedByUserIdElseAnonymousId() {
        String anonymous = "anon-" + UUID.randomUUID();
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON)
                .body("{\"batch\":[{\"type\":\"track\",\"userId\":\"" + user + "\",\"anonymousId\":\"" + anonymous + "\",\"event\":\"a\"},"
                        + "{\"type\":\"track\",\"anonymousId\":\"" + anonymous + "\",\"event\":\"b\"}]}")
                .when().post("/v1/batch")
                .then().statusCode(200);

        assertThat(valuesOf(events, user, 1).getFirst().get("event").asText()).isEqualTo("a");
        assertThat(valuesOf(events, anonymous, 1).getFirst().get("event").asText()).isEqualTo("b");
    }

    @Test
    void unknownOrMissingWriteKeyIsA401() {
        given().auth().preemptive().basic("wrong-key", "")
                .contentType(ContentType.JSON)
                .body("{\"userId\":\"u\",\"event\":\"a\"}")
                .when().post("/v1/track")
                .then().statusCode(401).body("error", equalTo("unauthorized")).body("field", equalTo("writeKey"));
        given().contentType(ContentType.JSON)
                .body("{\"userId\":\"u\",\"event\":\"a\",\"writeKey\":\"wrong-key\"}")
                .when().post("/v1/track")
                .then().statusCode(401);
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
                .then().statusCode(404).body("error", equalTo("unknown_call")).body("field", equalTo("path"));
    }

    @Test
    void corsPreflightAllowsConfiguredOriginsOnly() {
        given().header("Origin", "https://shop.example")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type")
                .when().options("/v1/t")
                .then().statusCode(200)
                .header("Access-Control-Allow-Origin", "https://shop.example")
                .header("Access-Control-Allow-Methods", org.hamcrest.Matchers.containsString("POST"));
        given().header("Origin", "https://evil.example")
                .header("Access-Control-Request-Method", "POST")
                .when().options("/v1/t")
                .then().header("Access-Control-Allow-Origin", nullValue());
    }

    @Test
    void corsPreflightAllowsTheRetryCountHeaderAnalyticsJsSendsOnRetries() {
        given().header("Origin", "https://shop.example")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,x-retry-count")
                .when().options("/v1/b")
                .then().statusCode(200)
                .header("Access-Control-Allow-Origin", "https://shop.example")
                .header("Access-Control-Allow-Headers", org.hamcrest.Matchers.containsStringIgnoringCase("X-Retry-Count"));
    }

    @Test
    void simpleCrossOriginPostGetsTheAllowOriginHeader() {
        given().header("Origin", "https://shop.example")
                .contentType("text/plain")
                .body("{\"writeKey\":\"dev-write-key\",\"userId\":\"" + user + "\",\"event\":\"x\"}")
                .when().post("/v1/t")
                .then().statusCode(200).header("Access-Control-Allow-Origin", "https://shop.example");
    }

    @Test
    void crossOriginAnswersLetTheBrowserScriptReadRetryAfter() {
        given().header("Origin", "https://shop.example")
                .contentType("text/plain")
                .body("{\"writeKey\":\"dev-write-key\",\"userId\":\"" + user + "\",\"event\":\"x\"}")
                .when().post("/v1/t")
                .then().statusCode(200)
                .header("Access-Control-Expose-Headers", org.hamcrest.Matchers.containsStringIgnoringCase("Retry-After"));
    }
}
