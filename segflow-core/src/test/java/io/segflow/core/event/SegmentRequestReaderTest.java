package io.segflow.core.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.segflow.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SegmentRequestReaderTest {

    private static SegmentRequest read(String body, boolean batch) throws Exception {
        return SegmentRequestReader.read(body.getBytes(StandardCharsets.UTF_8), batch);
    }

    @Test
    void measuresEachBatchItemAsSent() throws Exception {
        String first = "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"a\"}";
        String second = "{ \"type\" : \"page\", \"userId\" : \"u\" }";
        SegmentRequest request = read("{\"writeKey\":\"k\",\"batch\":[" + first + ",  " + second + "],\"context\":{\"ip\":\"1\"}}", true);
        assertThat(request.calls()).extracting(RawCall::bytes).containsExactly(first.length(), second.length());
        assertThat(request.calls()).extracting(RawCall::path).containsExactly("batch[0]", "batch[1]");
        assertThat(request.writeKey()).isEqualTo("k");
        assertThat(request.envelope().get("context").get("ip").asText()).isEqualTo("1");
        assertThat(request.envelope().has("batch")).isFalse();
    }

    @Test
    void readsUtf16And32BodiesAsTheirUtf8Text() throws Exception {
        String body = "{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"é\",\"context\":{\"ip\":\"1\"},"
                + "\"properties\":{\"p\":[1,2]}}],\"context\":{\"locale\":\"de\"}}";
        SegmentRequest utf8 = read(body, true);
        for (String charset : new String[] {"UTF-16BE", "UTF-16LE", "UTF-32BE"}) {
            SegmentRequest other = SegmentRequestReader.read(body.getBytes(java.nio.charset.Charset.forName(charset)), true);
            assertThat(other.calls()).as(charset).extracting(RawCall::bytes).containsExactly(utf8.calls().get(0).bytes());
            assertThat(Json.write(other.calls().get(0).json())).as(charset).isEqualTo(Json.write(utf8.calls().get(0).json()));
            assertThat(other.envelope()).as(charset).isEqualTo(utf8.envelope());
        }
    }

    @Test
    void refusesBadEnvelopes() {
        assertThatThrownBy(() -> read("[1]", false)).isInstanceOfSatisfying(InvalidEventException.class,
                e -> assertThat(e.field()).isEqualTo("$"));
        assertThatThrownBy(() -> read("{\"batch\":3}", true)).isInstanceOfSatisfying(InvalidEventException.class,
                e -> assertThat(e.field()).isEqualTo("batch"));
        assertThatThrownBy(() -> read("{\"batch\":[", true)).isInstanceOf(JsonProcessingException.class);
        String tooMany = "{\"batch\":[" + "{},".repeat(SegmentLimits.MAX_BATCH_CALLS) + "{}]}";
        assertThatThrownBy(() -> read(tooMany, true)).isInstanceOfSatisfying(InvalidEventException.class,
                e -> assertThat(e.reason()).contains("2500"));
    }

    @Test
    void parseAllRejectsInvalidAndOversizedCallsAlone() throws Exception {
        String big = "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"e\",\"properties\":{\"p\":\"" + "x".repeat(33_000) + "\"}}";
        SegmentRequest request = read("{\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"ok\"},"
                + "{\"type\":\"track\",\"userId\":\"u\"}," + big + "]}", true);
        ParsedCalls calls = SegmentCallParser.parseAll(request.calls(), null,
                SegmentCallParser.BatchDefaults.of(request.envelope()), Instant.now(), "web");
        assertThat(calls.accepted()).extracting(Event::event).containsExactly("ok");
        assertThat(calls.rejected()).extracting(Rejection::field).containsExactly("batch[1].event", "batch[2]");
        assertThat(calls.rejected()).extracting(Rejection::index).containsExactly(1, 2);
    }
}
