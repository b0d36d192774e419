package io.segflow.segment.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import org.junit.jupiter.api.Test;

/**
 * A round writes its users in the configured record format, which readers of the format before can read (a merged
 * profile too: {@link KnownUserMergeTest}).
 */
class PartitionBatchFormatTest {
    private static final int BEFORE = UserRecordCodec.FORMAT_WITHOUT_HISTORY_LENGTHS;

    @Test
    void theWrittenUsersAreEncodedInTheBatchsFormat() {
        PartitionBatch before = new PartitionBatch(0, BEFORE);
        before.write(UserRecord.empty("u1"));
        PartitionBatch current = new PartitionBatch(0);
        current.write(UserRecord.empty("u1"));

        assertThat(before.encoded().get("u1")[0]).isEqualTo((byte) BEFORE);
        assertThat(current.encoded().get("u1")[0]).isEqualTo((byte) UserRecordCodec.FORMAT);
    }
}
