package io.segflow.core.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SegmentChangeTest {
    private static final Instant AT = Instant.parse("2026-12-06T10:00:00Z");

    @Test
    void anExitCausedByAMergeNamesTheOtherIdAndNoOtherChangeDoes() {
        String byMerge = SegmentChange.causedByMerge("u1");
        assertThat(new SegmentChange("a1", "vip", SegmentChange.EXITED, AT, 4, byMerge).exitCausedByMergeWith()).isEqualTo("u1");
        assertThat(new SegmentChange("u1", "vip", SegmentChange.ENTERED, AT, 9, byMerge).exitCausedByMergeWith())
                .as("an entry the merge brought").isNull();
        assertThat(new SegmentChange("a1", "vip", SegmentChange.EXITED, AT, 4, SegmentChange.causedByEvent("m1"))
                .exitCausedByMergeWith()).as("an exit of an event").isNull();
        assertThat(new SegmentChange("a1", "vip", SegmentChange.EXITED, AT, 4, null).exitCausedByMergeWith()).isNull();
    }
}
