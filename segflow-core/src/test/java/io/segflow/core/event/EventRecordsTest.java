package io.segflow.core.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.segflow.core.event.SegmentCallParser.BatchDefaults;
import io.segflow.core.json.Json;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventRecordsTest {
    private static final Instant RECEIVED = Instant.parse("2026-11-26T10:00:10.123456Z");

    /**
     * Jackson's serializers for the record, except that a null inside traits or properties is kept (carried through
     * untouched) where {@code Json.MAPPER} would drop the entry.
     */
    private static final ObjectMapper JACKSON = Json.MAPPER.copy()
            .setDefaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.ALWAYS));

    /** The hand-driven writer must produce what Jackson's serializers write for the record, byte for byte. */
    private static void assertSameAsJackson(Event event) throws Exception {
        byte[] ours = EventRecords.write(event);
        byte[] jackson = JACKSON.writeValueAsBytes(event);
        assertThat(new String(ours, StandardCharsets.UTF_8)).isEqualTo(new String(jackson, StandardCharsets.UTF_8));
        assertThat(EventRecords.read(ours)).isEqualTo(event);
    }

    @Test
    void aProfileReadsEverythingButTheCarriedThroughContextAndIntegrations() throws Exception {
        JsonNode call = Json.MAPPER.readTree("""
                {"type":"identify","userId":"u-1","messageId":"m-1","traits":{"plan":"pro","nested":{"a":[1,{"b":null}]}},
                 "context":{"ip":"10.0.0.1","page":{"path":"/","list":[1,2.5,{"deep":[[]]}]}},"integrations":{"All":false},
                 "timestamp":"2026-11-26T09:59:58.5Z"}""");
        Event event = SegmentCallParser.parse(call, null, BatchDefaults.NONE, RECEIVED, "web");
        Event read = EventRecords.readForProfile(EventRecords.write(event));

        assertThat(read.context()).isNull();
        assertThat(read.integrations()).isNull();
        assertThat(read).usingRecursiveComparison().ignoringFields("context", "integrations")
                .isEqualTo(EventRecords.read(EventRecords.write(event)));
    }

    @Test
    void aValueIsReadWhereItLiesInTheFetchedBufferAndLeftAsItWas() throws Exception {
        JsonNode call = Json.MAPPER.readTree("""
                {"type":"track","userId":"u-1","event":"Order Completed","messageId":"m-1","properties":{"revenue":19.99},
                 "timestamp":"2026-11-26T09:59:58.5Z"}""");
        byte[] value = EventRecords.write(SegmentCallParser.parse(call, null, BatchDefaults.NONE, RECEIVED, "web"));
        Event expected = EventRecords.readForProfile(value);
        byte[] batch = new byte[value.length + 40];
        Arrays.fill(batch, (byte) '{'); // what lies around a value in a batch is no JSON of its own
        System.arraycopy(value, 0, batch, 13, value.length);
        ByteBuffer slice = ByteBuffer.wrap(batch, 13, value.length).slice();
        ByteBuffer direct = ByteBuffer.allocateDirect(value.length + 5).position(5);
        direct.put(value).position(5);

        assertThat(EventRecords.readForProfile(slice)).isEqualTo(expected);
        assertThat(EventRecords.readForProfile(direct)).isEqualTo(expected);
        assertThat(slice.remaining()).isEqualTo(value.length);
        assertThat(direct.position()).isEqualTo(5);
        assertThat(EventRecords.bytesOf(slice)).isEqualTo(value);
    }

    @Test
    void keepsNullPropertiesAndTraits() throws Exception {
        JsonNode call = Json.MAPPER.readTree("{\"userId\":\"u\",\"traits\":{\"plan\":null}}");
        Event event = SegmentCallParser.parse(call, EventType.IDENTIFY, BatchDefaults.NONE, RECEIVED, "web");
        assertThat(new String(EventRecords.write(event), StandardCharsets.UTF_8)).contains("\"traits\":{\"plan\":null}");
    }

    @Test
    void writesACallAsJacksonWouldAndReadsItBack() throws Exception {
        JsonNode call = Json.MAPPER.readTree("""
                {"type":"track","userId":"u-1","anonymousId":"a-1","event":"Order Completed","messageId":"m-1",
                 "properties":{"revenue":19.99,"count":3,"big":123456789012345678901234567890,"exact":1.10,
                   "tags":["a",null,true,{"x":[]}],"empty":{},"nothing":null,"text":"quote \\" tab \\t é ü 😀"},
                 "context":{"ip":"10.0.0.1","page":{"path":"/"},"list":[1,2.5]},"integrations":{"All":false},
                 "timestamp":"2026-11-26T09:59:58.5+01:00","sentAt":"2026-11-26T09:59:59Z"}""");
        assertSameAsJackson(SegmentCallParser.parse(call, null, BatchDefaults.NONE, RECEIVED, "web"));
    }

    @Test
    void writesAPageWithItsNameAndCategoryAsJacksonWouldAndReadsItBack() throws Exception {
        JsonNode call = Json.MAPPER.readTree("""
                {"type":"page","userId":"u-1","name":"Shoes","category":"Shop","properties":{"path":"/shoes"}}""");
        Event page = SegmentCallParser.parse(call, null, BatchDefaults.NONE, RECEIVED, "web");
        assertSameAsJackson(page);
        assertThat(EventRecords.readForProfile(EventRecords.write(page)).category()).isEqualTo("Shop");
    }

    @Test
    void leavesOutAbsentFieldsAsJacksonWould() throws Exception {
        JsonNode call = Json.MAPPER.readTree("{\"anonymousId\":\"a\",\"traits\":{\"plan\":\"pro\",\"age\":30}}");
        assertSameAsJackson(SegmentCallParser.parse(call, EventType.IDENTIFY, BatchDefaults.NONE, RECEIVED, "mobile"));
    }

    @Test
    void writesEveryValueTypeAMapMayHold() throws Exception {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("long", 9_000_000_000L);
        nested.put("int", 7);
        nested.put("double", -0.5);
        nested.put("decimal", new BigDecimal("1E+3"));
        nested.put("null", null);
        nested.put("list", new ArrayList<>(Arrays.asList(1, "two", null, List.of(3))));
        nested.put("instant", Instant.parse("2026-01-01T00:00:00Z")); // not from JSON: written by Jackson itself
        Event event = new Event(1, "identify", "m", "u", null, null, null, null, null, Map.of("n", nested), null,
                null, null, Instant.EPOCH, null, null, Instant.ofEpochSecond(-1, 1), "src");
        byte[] ours = EventRecords.write(event);
        assertThat(new String(ours, StandardCharsets.UTF_8))
                .isEqualTo(new String(JACKSON.writeValueAsBytes(event), StandardCharsets.UTF_8));
    }
}
