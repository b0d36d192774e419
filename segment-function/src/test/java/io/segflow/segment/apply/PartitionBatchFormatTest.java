package io.segflow.segment.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import org.junit.jupiter.api.Test;

/** A round writes its users in the configured record format, which readers of the format before can read. */
class PartitionBatchFormatTest {

    @Test
    void theWrittenUsersAreEncodedInTheFormatAskedFor() {
        PartitionBatch before = new PartitionBatch(0);
        before.write(UserRecord.empty("u1"));
        PartitionBatch current = new PartitionBatch(0);
        current.write(UserRecord.empty("u1"));

        byte[] inFormatBefore = before.encoded(UserRecordCodec.FORMAT_WITHOUT_HISTORY_LENGTHS).get("u1");

        assertThat(inFormatBefore[0]).isEqualTo((byte) UserRecordCodec.FORMAT_WITHOUT_HISTORY_LENGTHS);
        assertThat(before.encoded().get("u1")).as("the flush writes what the round encoded").isSameAs(inFormatBefore);
        assertThat(current.encoded(UserRecordCodec.FORMAT).get("u1")[0]).isEqualTo((byte) UserRecordCodec.FORMAT);
    }
}
