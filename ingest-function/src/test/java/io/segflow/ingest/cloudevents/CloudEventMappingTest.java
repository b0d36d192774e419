package io.segflow.ingest.cloudevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.event.InvalidEventException;
import io.segflow.core.event.RawCall;
import io.segflow.core.json.Json;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CloudEventMappingTest {

    private static CloudEvent event(String type, String data) throws Exception {
        Map<String, String> attributes = new HashMap<>(Map.of("specversion", "1.0", "id", "1", "source", "s", "type", type));
        JsonNode json = data == null ? null : Json.MAPPER.readTree(data);
        return new CloudEvent(null, "", attributes, json, null, "data", 10);
    }

    @Test
    void dataTypeWinsOverTheAttribute() throws Exception {
        RawCall call = CloudEventMapping.toCall(event("com.example.track", "{\"type\":\"identify\",\"userId\":\"u\"}"));
        assertThat(call.json().get("type").asText()).isEqualTo("identify");
        assertThat(call.path()).isEqualTo("data");
    }

    @Test
    void attributeTypeSuffixNamesTheCall() throws Exception {
        RawCall call = CloudEventMapping.toCall(event("io.segment.alias", "{\"userId\":\"u\",\"previousId\":\"a\"}"));
        assertThat(call.json().get("type").asText()).isEqualTo("alias");
        assertThat(call.json().get("previousId").asText()).isEqualTo("a");
    }

    @Test
    void otherDataBecomesPropertiesOfATrackNamedAfterTheType() throws Exception {
        RawCall call = CloudEventMapping.toCall(event("com.example.order.created", "{\"total\":3}"));
        assertThat(call.json().get("type").asText()).isEqualTo("track");
        assertThat(call.json().get("event").asText()).isEqualTo("com.example.order.created");
        assertThat(call.json().get("properties").get("total").asInt()).isEqualTo(3);
    }

    @Test
    void callsOwnMessageIdAndIdsAreKept() throws Exception {
        RawCall call = CloudEventMapping.toCall(event("x.track",
                "{\"userId\":\"u\",\"event\":\"e\",\"messageId\":\"m\",\"timestamp\":\"2026-01-01T00:00:00Z\"}"));
        assertThat(call.json().get("messageId").asText()).isEqualTo("m");
        assertThat(call.json().get("userId").asText()).isEqualTo("u");
        assertThat(call.json().get("timestamp").asText()).isEqualTo("2026-01-01T00:00:00Z");
    }

    @Test
    void aBlankMessageIdIsDerivedFromSourceAndIdSoThatARedeliveryCountsOnce() throws Exception {
        RawCall blank = CloudEventMapping.toCall(event("x.track", "{\"userId\":\"u\",\"event\":\"e\",\"messageId\":\" \"}"));
        RawCall none = CloudEventMapping.toCall(event("x.track", "{\"userId\":\"u\",\"event\":\"e\"}"));
        RawCall again = CloudEventMapping.toCall(event("x.track", "{\"userId\":\"u\",\"event\":\"e\",\"messageId\":\"\"}"));

        assertThat(blank.json().get("messageId").asText()).isEqualTo(none.json().get("messageId").asText())
                .isEqualTo(again.json().get("messageId").asText()).isNotBlank();
    }

    @Test
    void theDataKeepsTheDigitsOfItsNumbers() throws Exception {
        byte[] body = ("{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"s\",\"type\":\"com.example.order\","
                + "\"subject\":\"u\",\"data\":{\"total\":12345678901234567.89,\"tax\":1.50,\"huge\":1e400}}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        RawCall call = CloudEventMapping.toCall(CloudEventReader.structured(body));
        io.segflow.core.event.Event event = io.segflow.core.event.SegmentCallParser.parseAll(java.util.List.of(call), null,
                io.segflow.core.event.SegmentCallParser.BatchDefaults.NONE, java.time.Instant.now(), "knative").accepted().get(0);

        String written = new String(io.segflow.core.event.EventRecords.write(event), java.nio.charset.StandardCharsets.UTF_8);

        assertThat(written).contains("\"total\":12345678901234567.89", "\"tax\":1.50", "\"huge\":1E+400")
                .doesNotContain("Infinity");
    }

    @Test
    void requiredAttributesAreChecked() throws Exception {
        CloudEvent noSource = event("t", null);
        noSource.attributes().remove("source");
        assertThatThrownBy(() -> CloudEventMapping.toCall(noSource))
                .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.field()).isEqualTo("source"));
        CloudEvent oldSpec = event("t", null);
        oldSpec.attributes().put("specversion", "0.3");
        assertThatThrownBy(() -> CloudEventMapping.toCall(oldSpec))
                .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.field()).isEqualTo("specversion"));
    }
}
