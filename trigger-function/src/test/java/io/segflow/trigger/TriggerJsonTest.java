package io.segflow.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.membership.TriggerRecord;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** trigger-function writes exactly what segflow's own mapper does. */
class TriggerJsonTest {

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
