package io.segflow.segment.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import io.segflow.core.rules.Reads.PropertyRef;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The replay skips records without parsing them only when they are surely not of a replayed event. */
class ReplayFilterTest {

    @Test
    void aRecordOfAReplayedEventIsRecognisedWhateverCharactersItsNameHas() {
        for (String name : List.of("Order Completed", "say \"hi\"", "back\\slash", "tab\there", "größe €", "emoji 🛒", "a/b")) {
            byte[] record = EventRecords.write(track(name));

            assertThat(HistoryReplay.mentionsAny(record, HistoryReplay.quotedNames(List.of(new PropertyRef(name, "revenue")))))
                    .as(name).isTrue();
        }
    }

    @Test
    void namesAWriterMayEscapeInSeveralWaysAreNotFilteredOn() {
        assertThat(HistoryReplay.quotedNames(List.of(new PropertyRef("Order Completed", "revenue")))).isNotNull();
        for (String name : List.of("say \"hi\"", "größe €", "emoji 🛒", "tab\there")) {
            assertThat(HistoryReplay.quotedNames(List.of(new PropertyRef("Order Completed", "revenue"), new PropertyRef(name, "p"))))
                    .as(name).isNull();
        }
    }

    @Test
    void aRecordOfAnotherEventIsSkipped() {
        byte[] record = EventRecords.write(track("Product Viewed"));

        assertThat(HistoryReplay.mentionsAny(record, HistoryReplay.quotedNames(List.of(new PropertyRef("Order Completed", "revenue"),
                new PropertyRef("Product", "price"))))).isFalse();
    }

    private static Event track(String name) {
        return new Event(1, "track", "m-1", "u-1", null, name, null, null, null, null, Map.of("revenue", 10), null, null,
                Instant.parse("2026-12-01T00:00:00Z"), null, null, Instant.parse("2026-12-01T00:00:01Z"), "test");
    }
}
