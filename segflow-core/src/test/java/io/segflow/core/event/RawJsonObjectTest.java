package io.segflow.core.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.event.SegmentCallParser.BatchDefaults;
import io.segflow.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Ingest carries context, properties, traits and integrations through as the bytes they arrived in. */
class RawJsonObjectTest {
    private static final Instant RECEIVED = Instant.parse("2026-11-26T10:00:10Z");
    private static final String PROPERTIES = "{ \"price\": 1.10, \"tags\": [\"a\", {\"b\": null}], \"note\": \"} \\\" {\", "
            + "\"emoji\": \"\\ud83d\\ude00 é\", \"nested\": {\"deep\": {\"x\": -0}} }";
    private static final String ITEM = "{\"type\":\"track\",\"messageId\":\"m-1\",\"userId\":\"u\",\"event\":\"Bought\",\"properties\":" + PROPERTIES
            + ",\"context\":{\"page\":{\"path\":\"/\"}},\"integrations\":{},\"traits\":{\"plan\":\"pro\"}}";

    private static ParsedCalls readBatch(String body, String clientIp) throws Exception {
        SegmentRequest request = SegmentRequestReader.read(body.getBytes(StandardCharsets.UTF_8), true);
        return SegmentCallParser.parseAll(request.calls(), null,
                BatchDefaults.of(request.envelope()).withClientIp(clientIp), RECEIVED, "web");
    }

    private static String record(Event event) {
        return new String(EventRecords.write(event), StandardCharsets.UTF_8);
    }

    @Test
    void objectsReachTheRecordByteForByte() throws Exception {
        Event event = readBatch("{\"batch\":[" + ITEM + "]}", null).accepted().get(0);
        assertThat(event.properties()).isInstanceOf(RawJsonObject.class);
        assertThat(record(event)).contains("\"properties\":" + PROPERTIES + ",\"context\":{\"page\":{\"path\":\"/\"}},"
                + "\"integrations\":{},");
    }

    @Test
    void theRecordMeansWhatTheTreePathWrites() throws Exception {
        Event raw = readBatch("{\"batch\":[" + ITEM + "]}", "10.0.0.9").accepted().get(0);
        Event tree = SegmentCallParser.parse(Json.EXACT_NUMBERS.readTree(ITEM), null,
                BatchDefaults.NONE.withClientIp("10.0.0.9"), RECEIVED, "web");
        JsonNode fromRaw = Json.EXACT_NUMBERS.readTree(EventRecords.write(raw));
        JsonNode fromTree = Json.EXACT_NUMBERS.readTree(EventRecords.write(tree));
        assertThat(fromRaw).isEqualTo(fromTree);
        // A consumer reads the record as written (its numbers as doubles): the same event.
        assertThat(Json.MAPPER.readTree(EventRecords.write(EventRecords.read(EventRecords.write(raw)))))
                .isEqualTo(Json.MAPPER.readTree(EventRecords.write(raw)));
    }

    @Test
    void readsAsAMapWhenAsked() throws Exception {
        Event event = readBatch("{\"batch\":[" + ITEM + "]}", null).accepted().get(0);
        Map<String, Object> properties = event.properties();
        assertThat(properties.containsKey("price")).isTrue();
        assertThat(properties.get("price")).as("its digits as sent").isEqualTo(new java.math.BigDecimal("1.10"));
        assertThat(properties.get("missing")).isNull();
        assertThat(properties).containsEntry("note", "} \" {").containsEntry("emoji", "😀 é");
        Map<String, Object> plain = new LinkedHashMap<>(properties);
        assertThat(properties).isEqualTo(plain);
        assertThat(plain).isEqualTo(properties);
        assertThat(event.traits()).isEqualTo(Map.of("plan", "pro"));
        assertThat(event.integrations()).isEmpty();
    }

    @Test
    void theCallersAddressJoinsARawContextUnlessItNamesOne() throws Exception {
        List<Event> events = readBatch("{\"batch\":["
                + "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"a\",\"context\":{}},"
                + "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"b\",\"context\":{\"locale\":\"de\"}},"
                + "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"c\",\"context\":{\"ip\":\"1.1.1.1\"}},"
                + "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"d\"}]}", "2001:db8::\"1").accepted();
        assertThat(record(events.get(0))).contains("\"context\":{\"ip\":\"2001:db8::\\\"1\"},");
        assertThat(record(events.get(1))).contains("\"context\":{\"locale\":\"de\",\"ip\":\"2001:db8::\\\"1\"},");
        assertThat(record(events.get(2))).contains("\"context\":{\"ip\":\"1.1.1.1\"},");
        assertThat(record(events.get(3))).contains("\"context\":{\"ip\":\"2001:db8::\\\"1\"},");
        assertThat(events.get(1).context()).containsEntry("ip", "2001:db8::\"1").containsEntry("locale", "de");
    }

    @Test
    void aPagesNameJoinsItsRawPropertiesAsTheRecordWritesStringsLoneSurrogatesIncluded() throws Exception {
        List<Event> events = readBatch("{\"batch\":["
                + "{\"type\":\"page\",\"userId\":\"u\",\"name\":\"a\\udfffb\",\"category\":\"c\",\"properties\":{}},"
                + "{\"type\":\"screen\",\"userId\":\"u\",\"name\":\"n\\\"q\",\"properties\":{\"p\":1}}]}", null).accepted();
        String page = record(events.get(0));
        assertThat(page).contains("\"properties\":{\"name\":\"a\\uDFFFb\",\"category\":\"c\"},");
        assertThat(EventRecords.read(page.getBytes(StandardCharsets.UTF_8)).properties())
                .containsEntry("name", "a\udfffb").containsEntry("category", "c");
        assertThat(record(events.get(1))).contains("\"properties\":{\"p\":1,\"name\":\"n\\\"q\"},");
    }

    @Test
    void aBatchContextIsMergedUnderTheItemsOwn() throws Exception {
        Event event = readBatch("{\"context\":{\"locale\":\"de\",\"ip\":\"1.1.1.1\"},\"batch\":["
                + "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"a\",\"context\":{\"locale\":\"fr\"}}]}", "9.9.9.9")
                .accepted().get(0);
        assertThat(Json.MAPPER.readTree(record(event)).get("context").toString())
                .isEqualTo("{\"locale\":\"fr\",\"ip\":\"1.1.1.1\"}");
    }

    @Test
    void syntaxInsideCarriedObjectsIsStillChecked() {
        assertThatThrownBy(() -> readBatch("{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"a\","
                + "\"context\":{\"a\":tru}}]}", null)).isInstanceOf(JsonProcessingException.class);
        assertThatThrownBy(() -> readBatch("{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"a\","
                + "\"properties\":{\"a\":\"\\q\"}}]}", null)).isInstanceOf(JsonProcessingException.class);
    }

    @Test
    void aNonObjectIsStillRefusedWithItsField() throws Exception {
        ParsedCalls calls = readBatch("{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"a\",\"properties\":[1]}]}", null);
        assertThat(calls.rejected()).extracting(Rejection::field).containsExactly("batch[0].properties");
    }

    @Test
    void aRefusedCallIsDeadLetteredWithItsObjectsAsSent() throws Exception {
        SegmentRequest request = SegmentRequestReader.read(("{\"batch\":[{\"type\":\"track\",\"userId\":\"u\","
                + "\"properties\":{\"x\": 1.50}}]}").getBytes(StandardCharsets.UTF_8), true);
        assertThat(Json.write(request.calls().get(0).json())).isEqualTo("{\"type\":\"track\",\"userId\":\"u\",\"properties\":{\"x\": 1.50}}");
    }
}
