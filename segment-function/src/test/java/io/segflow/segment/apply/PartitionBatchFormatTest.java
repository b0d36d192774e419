package io.segflow.segment.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.segflow.core.engine.SegmentIndex;
import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import io.segflow.core.identity.IdentityRecords;
import io.segflow.core.profile.Scoring;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import io.segflow.segment.catalog.SegmentCatalog;
import io.segflow.segment.schedule.WakeTraces;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A round writes its users, and sends a merged profile, in the configured record format, which readers of the format
 * before can read.
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

    @Test
    void aMergedProfileIsSentInTheBatchsFormat() {
        UserProcessor processor = new UserProcessor(60_000, new NoListener(), new WakeTraces(0), false);
        UserRecord anonymous = UserRecord.empty("anon-1");
        Event view = new Event(1, "track", "m-1", null, "anon-1", "view", null, null, null, null, Map.of(), null, null,
                Instant.ofEpochMilli(1_000), null, null, Instant.ofEpochMilli(1_000), "test");
        processor.onEvent(new PartitionBatch(0), anonymous, true, view, Span.getInvalid(),
                new SegmentCatalog.Current(SegmentIndex.empty(), Scoring.NONE), 1_000);
        PartitionBatch batch = new PartitionBatch(0, BEFORE);

        processor.onMergeRequest(batch, anonymous, "user-2", Span.getInvalid(), 2_000);

        byte[] sent = IdentityRecords.profileRecord(EventRecords.read(batch.sends().get(0).value()));
        assertThat(sent[0]).isEqualTo((byte) BEFORE);
        assertThat(UserRecordCodec.decode("anon-1", sent).profile().count("view")).isEqualTo(1);
    }

    /** Listens to nothing. */
    private static final class NoListener implements UserProcessor.Listener {
        @Override
        public void duplicate() {
        }

        @Override
        public void evaluationError(String condition, String user, Exception error) {
        }

        @Override
        public void merge(UserProcessor.MergeStep step) {
        }
    }
}
