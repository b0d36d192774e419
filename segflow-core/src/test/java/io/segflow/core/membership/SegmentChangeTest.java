package io.segflow.core.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SegmentChangeTest {
    private static final Instant AT = Instant.parse("2026-12-06T10:00:00Z");

    @Test
    void theRecordsOfAnIdMergedIntoAUserAreOfTheMergedIdAndTheUsersOwnAreNot() {
        String intoUser = SegmentChange.causedByMergeInto("u1");
        assertThat(new SegmentChange("a1", "vip", SegmentChange.EXITED, AT, 4, intoUser).isOfMergedId()).isTrue();
        assertThat(SegmentChange.merged("a1", "u1", AT, 5).isOfMergedId()).isTrue();
        assertThat(SegmentChange.merged("a1", "u1", AT, 5).cause()).isEqualTo(intoUser);

        String byMerge = SegmentChange.causedByMerge("a1");
        assertThat(new SegmentChange("u1", "vip", SegmentChange.EXITED, AT, 9, byMerge).isOfMergedId())
                .as("the user's exit the merged history caused").isFalse();
        assertThat(new SegmentChange("u1", "vip", SegmentChange.ENTERED, AT, 9, byMerge).isOfMergedId())
                .as("an entry the merge brought").isFalse();
        assertThat(new SegmentChange("a1", "vip", SegmentChange.EXITED, AT, 4, SegmentChange.causedByEvent("m1"))
                .isOfMergedId()).as("an exit of an event").isFalse();
        assertThat(new SegmentChange("a1", "vip", SegmentChange.EXITED, AT, 4, null).isOfMergedId()).isFalse();

        assertThat(SegmentChange.isMergeCause(intoUser)).as("the merged id's side").isTrue();
        assertThat(SegmentChange.isMergeCause(byMerge)).as("the user's side").isTrue();
        assertThat(SegmentChange.isMergeCause(SegmentChange.causedByEvent("m1"))).isFalse();
        assertThat(SegmentChange.isMergeCause(null)).isFalse();
    }

    @Test
    void aUsersChangeCausedByAMergeNamesTheIdTakenIn() {
        assertThat(SegmentChange.mergedIdOf(SegmentChange.causedByMerge("anon-1"))).isEqualTo("anon-1");
        assertThat(SegmentChange.mergedIdOf(SegmentChange.causedByMerge("a:b"))).as("an id with a colon").isEqualTo("a:b");
        assertThat(SegmentChange.mergedIdOf(SegmentChange.causedByMergeInto("u1"))).as("the merged id's own side").isNull();
        assertThat(SegmentChange.mergedIdOf(SegmentChange.causedByEvent("m1"))).isNull();
        assertThat(SegmentChange.mergedIdOf(null)).isNull();
    }
}
