package io.segflow.segment.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import io.segflow.core.identity.IdentityRecords;
import io.segflow.core.state.UserRecord;
import io.segflow.segment.schedule.WakeTraces;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The user's side of an erased forward: an unlink removes the id from those merged into the user, only then; and
 * only an erasure of the forward itself sends one, not an erasure the user's own erasure sent.
 */
class UnlinkTest {
    private static final Instant AT = Instant.ofEpochMilli(5_000);

    private final RecordedMergeSteps recorded = new RecordedMergeSteps();
    private final List<UserProcessor.MergeStep> steps = recorded.steps;
    private final UserProcessor processor = new UserProcessor(60_000, recorded, new WakeTraces(0), false);

    private static UserRecord userWith(String id, boolean merged) {
        UserRecord user = UserRecord.empty("user-1");
        user.identity().requested(id);
        if (merged) {
            user.identity().merged(id);
        }
        return user;
    }

    @Test
    void anUnlinkRemovesAnIdMergedIntoTheUser() {
        UserRecord user = userWith("anon-1", true);
        PartitionBatch batch = new PartitionBatch(0);

        processor.onUnlink(batch, user, IdentityRecords.unlink("anon-1", "user-1", AT), AT.toEpochMilli());

        assertThat(user.identity().mergedIds()).isEmpty();
        assertThat(user.identity().isLinked("anon-1")).isFalse();
        assertThat(batch.written()).containsKey("user-1");
        assertThat(steps).containsExactly(UserProcessor.MergeStep.UNLINKED);
    }

    @Test
    void anUnlinkLeavesAMergeAskedForAgainAndChangesNothingElse() {
        UserRecord requested = userWith("anon-1", false);
        UserRecord other = userWith("anon-2", true);
        PartitionBatch batch = new PartitionBatch(0);

        processor.onUnlink(batch, requested, IdentityRecords.unlink("anon-1", "user-1", AT), AT.toEpochMilli());
        processor.onUnlink(batch, other, IdentityRecords.unlink("anon-1", "user-1", AT), AT.toEpochMilli());

        assertThat(requested.identity().isLinked("anon-1")).as("the new profile is on its way").isTrue();
        assertThat(other.identity().mergedIds()).containsExactly("anon-2");
        assertThat(batch.written()).isEmpty();
        assertThat(steps).containsExactly(UserProcessor.MergeStep.DUPLICATE, UserProcessor.MergeStep.DUPLICATE);
    }

    @Test
    void anUnlinkForAUserMergedIntoAnotherGoesOnToIt() {
        UserRecord forward = UserRecord.forward("user-1", 4, "user-2");
        PartitionBatch batch = new PartitionBatch(0);

        processor.onUnlink(batch, forward, IdentityRecords.unlink("anon-1", "user-1", AT), AT.toEpochMilli());

        assertThat(batch.sends()).singleElement().satisfies(sent -> {
            assertThat(sent.key()).isEqualTo("user-2");
            Event unlink = EventRecords.read(sent.value());
            assertThat(IdentityRecords.isUnlink(unlink)).isTrue();
            assertThat(IdentityRecords.unlinkedId(unlink)).isEqualTo("anon-1");
        });
        assertThat(steps).containsExactly(UserProcessor.MergeStep.FORWARDED);
    }

    @Test
    void onlyTheErasureOfTheForwardItselfTellsTheUser() {
        PartitionBatch own = new PartitionBatch(0);
        processor.erase(own, UserRecord.forward("anon-1", 3, "user-1"), Span.getInvalid(), AT.toEpochMilli());

        PartitionBatch byUser = new PartitionBatch(0);
        processor.eraseForward(byUser, UserRecord.forward("anon-1", 3, "user-1"), "user-1", Span.getInvalid(), AT.toEpochMilli());

        assertThat(own.sends()).singleElement().satisfies(sent -> {
            assertThat(sent.key()).isEqualTo("user-1");
            assertThat(IdentityRecords.unlinkedId(EventRecords.read(sent.value()))).isEqualTo("anon-1");
        });
        assertThat(own.erased()).containsExactly("anon-1");
        assertThat(byUser.sends()).as("the user was erased: nothing to unlink").isEmpty();
        assertThat(byUser.erased()).containsExactly("anon-1");
    }
}
