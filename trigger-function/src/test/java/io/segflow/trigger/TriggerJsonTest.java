package io.segflow.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.membership.TriggerRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** trigger-function reads and writes exactly what segflow's own mapper does. */
class TriggerJsonTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "{'userId':'u1','segmentId':'vip','change':'entered','at':'2026-11-26T10:00:10.120Z','version':3,'cause':'event:m1'}",
            "{'cause':'time:2026-11-26T10:00:00Z','version':9007199254740993,'at':'2026-11-26T10:00:10Z','change':'exited','segmentId':'vip','userId':'u1'}",
            "{'userId':'\\u00fcser \\\"1\\\"','segmentId':'v\u00efp','change':'entered','at':'2026-11-26T11:00:10.123456789+01:00','version':1}",
            "{'userId':'u1','segmentId':null,'change':'entered','at':null,'version':2,'cause':null}",
            "{'userId':'u1','extra':{'nested':[1,2,{'a':'b'}]},'more':[],'flag':true,'version':2}",
            "{'userId':'u1','userId':'u2','version':1,'version':2}",
            "{}",
            "null",
            // shapes only the mapper reads (coercions, lenient instants): the same result either way
            "{'userId':'u1','version':'3'}",
            "{'userId':'u1','version':3.0}",
            "{'userId':'u1','version':null}",
            "{'userId':'u1','segmentId':42,'version':1}",
            "{'userId':'u1','at':'','version':1}",
            "{'userId':'u1','at':1764151210.5,'version':1}",
            "{'userId':'u1','at':'+12026-01-01T00:00:00Z','version':1}"})
    void changesReadTheSameAsWithTheMapper(String json) throws Exception {
        byte[] bytes = json.replace('\'', '"').getBytes(StandardCharsets.UTF_8);

        assertThat(TriggerJson.readChange(bytes)).isEqualTo(Json.MAPPER.readValue(bytes, SegmentChange.class));
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "", "[1, 2]", "{\"userId\": \"u1\", \"at\": \"2026-02-30T10:00:00Z\"}",
            "{\"userId\": \"u1\", \"segmentId\": {\"id\": 1}}", "{\"userId\": \"u1\""})
    void whatTheMapperRefusesIsRefused(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> Json.MAPPER.readValue(bytes, SegmentChange.class)).isInstanceOf(JsonProcessingException.class);
        assertThatThrownBy(() -> TriggerJson.readChange(bytes)).isInstanceOf(IOException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-26T10:00:10.120Z", "2026-11-26T10:00:10Z", "2026-11-26T10:00:10.000001Z",
            "1969-12-31T23:59:59.999999999Z", "+12026-01-01T00:00:00Z"})
    void triggersAreWrittenTheSameAsByTheMapper(String at) throws Exception {
        TriggerRecord trigger = TriggerRecord.fromSegmentChange(
                new SegmentChange("\u00fcser \"1\"\n", "vip/\u2028", SegmentChange.EXITED, Instant.parse(at), 7, "event:m\\1"));

        assertThat(TriggerJson.writeTrigger(trigger)).isEqualTo(Json.MAPPER.writeValueAsBytes(trigger));
    }

    @Test
    void nullFieldsOfATriggerAreLeftOutAsByTheMapper() throws Exception {
        TriggerRecord trigger = new TriggerRecord("u1:vip:1", null, "u1", null, null, null);

        assertThat(TriggerJson.writeTrigger(trigger)).isEqualTo(Json.MAPPER.writeValueAsBytes(trigger));
    }
}
