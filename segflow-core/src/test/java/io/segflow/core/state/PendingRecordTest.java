package io.segflow.core.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PendingRecordTest {

    @Test
    void aPackedEntryGivesBackItsRecordsWhateverTheyHoldInside() {
        List<String> records = List.of(
                "{\"userId\":\"u:1\",\"segmentId\":\"12:34\",\"version\":7}",
                PendingRecord.event("anon-9", "{\"type\":\"merge\",\"note\":\"3:abc\"}").encode(),
                "",
                "{\"userId\":\"\uD83D\uDE00 émoji\",\"version\":1}");

        String entry = PendingRecord.pack(records);

        assertThat(PendingRecord.unpack(entry)).containsExactlyElementsOf(records);
        assertThat(PendingRecord.decode(PendingRecord.unpack(entry).get(1), json -> "unused"))
                .isEqualTo(PendingRecord.event("anon-9", "{\"type\":\"merge\",\"note\":\"3:abc\"}"));
    }

    @Test
    void anEntryWithNoRecordsIsEmpty() {
        assertThat(PendingRecord.unpack(PendingRecord.pack(List.of()))).isEmpty();
    }

    @Test
    void anEntryCutShortIsRefusedNotReadAsFewerRecords() {
        String entry = PendingRecord.pack(List.of("{\"v\":1}", "{\"v\":2}"));

        assertThatThrownBy(() -> PendingRecord.unpack(entry.substring(0, entry.length() - 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cut short");
        assertThatThrownBy(() -> PendingRecord.unpack("12")).isInstanceOf(IllegalArgumentException.class);
    }
}
