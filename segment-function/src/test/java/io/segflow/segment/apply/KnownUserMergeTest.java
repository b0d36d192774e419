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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code segflow.identity.merge-known-users}: a known user id is merged only when it is on; a merged profile is sent in
 * the batch's record format.
 */
class KnownUserMergeTest {
    private final RecordedMergeSteps recorded = new RecordedMergeSteps();
    private final List<UserProcessor.MergeStep> steps = recorded.steps;

    private UserProcessor processor(boolean mergeKnownUsers) {
        return new UserProcessor(60_000, recorded, new WakeTraces(0), mergeKnownUsers);
    }

    /** A user whose events carried its id as userId: a known user. */
    private static UserRecord knownUser(UserProcessor processor) {
        UserRecord record = UserRecord.empty("known-1");
        Event event = new Event(1, "track", "m-1", "known-1", null, "view", null, null, null, null, Map.of(), null, null,
                Instant.ofEpochMilli(1_000), null, null, Instant.ofEpochMilli(1_000), "test");
        processor.onEvent(new PartitionBatch(0), record, true, event, Span.getInvalid(),
                new SegmentCatalog.Current(SegmentIndex.empty(), Scoring.NONE), 1_000);
        assertThat(record.identity().known()).isTrue();
        return record;
    }

    @Test
    void aKnownUserIsRefusedByDefault() {
        UserProcessor processor = processor(false);
        UserRecord known = knownUser(processor);
        PartitionBatch batch = new PartitionBatch(0);

        UserRecord kept = processor.onMergeRequest(batch, known, "user-2", Span.getInvalid(), 2_000);

        assertThat(kept).isSameAs(known);
        assertThat(kept.isForward()).isFalse();
        assertThat(batch.sends()).isEmpty();
        assertThat(steps).containsExactly(UserProcessor.MergeStep.REFUSED_KNOWN_USER);
    }

    @Test
    void aMergedProfileIsSentInTheBatchsRecordFormat() {
        UserProcessor processor = processor(true);
        UserRecord known = knownUser(processor);
        int before = UserRecordCodec.FORMAT_WITHOUT_HISTORY_LENGTHS;
        PartitionBatch batch = new PartitionBatch(0, before);

        processor.onMergeRequest(batch, known, "user-2", Span.getInvalid(), 2_000);

        byte[] sent = IdentityRecords.profileRecord(EventRecords.read(batch.sends().get(0).value()));
        assertThat(sent[0]).isEqualTo((byte) before);
        assertThat(UserRecordCodec.decode("known-1", sent).profile().count("view")).isEqualTo(1);
    }

    @Test
    void aKnownUserIsMergedWhenTheSettingIsOn() {
        UserProcessor processor = processor(true);
        UserRecord known = knownUser(processor);
        PartitionBatch batch = new PartitionBatch(0);

        UserRecord kept = processor.onMergeRequest(batch, known, "user-2", Span.getInvalid(), 2_000);

        assertThat(kept.mergedInto()).isEqualTo("user-2");
        assertThat(batch.sends()).singleElement().satisfies(profile -> assertThat(profile.key()).isEqualTo("user-2"));
        assertThat(steps).containsExactly(UserProcessor.MergeStep.SENT);
    }
}
