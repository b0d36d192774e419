package io.segflow.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.engine.ModelProperty.Counterexample;
import io.segflow.core.engine.Scenario.Control;
import io.segflow.core.engine.Scenario.Step;
import io.segflow.core.event.Event;
import io.segflow.core.profile.Profile;
import io.segflow.core.state.UserRecord;
import java.util.Deque;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The model property can fail, and then reports a small scenario: faults a caller of the engine could plausibly
 * make are injected into the replay (test code only), and the default seeds must catch each one and shrink it to a
 * few steps. Two of them are in the identity merge: a transfer taken in twice, forwarded events lost.
 */
class ModelHarnessTest {

    /** Forgets the wake already scheduled when an event asks for a later one (instead of keeping the earlier). */
    static final class OverwritesScheduledWake extends ScenarioChecker {
        @Override
        protected long keptWake(long scheduled, long requested) {
            return requested;
        }
    }

    /** Leaves late events (event time before the processing time) out of the profile, as if their time had passed. */
    static final class DropsLateEvents extends ScenarioChecker {
        @Override
        protected void applyEvent(Profile profile, Event event, ProfileNeeds needs, long nowMillis) {
            if (event.timestamp().toEpochMilli() >= nowMillis) {
                super.applyEvent(profile, event, needs, nowMillis);
            }
        }
    }

    /** Takes a transfer in again when it is delivered twice (a republished record), as if it had no memory of the merge. */
    static final class MergesATransferTwice extends ScenarioChecker {
        @Override
        protected boolean alreadyMerged(UserRecord user, String from) {
            return false;
        }
    }

    /** Loses the events of a merged id instead of forwarding them to the user. */
    static final class DropsForwardedEvents extends ScenarioChecker {
        @Override
        protected void forward(Deque<byte[]> toUser, byte[] forwarded) {
        }
    }

    @Test
    void aForgottenWakeIsCaughtAndShrunk() {
        Counterexample counterexample = findAndShrink(new OverwritesScheduledWake());

        assertThat(counterexample.minimal().steps()).as("a forgotten wake needs a later event to overwrite it")
                .filteredOn(step -> step.event() != null).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void lateEventsMissingFromTheProfileAreCaughtAndShrunk() {
        Counterexample counterexample = findAndShrink(new DropsLateEvents());

        assertThat(counterexample.minimal().steps()).as("only a late event shows the fault")
                .anyMatch(step -> step.event() != null && step.event().lateMillis() > 0);
    }

    @Test
    void aTransferMergedTwiceIsCaughtAndShrunk() {
        Counterexample counterexample = findAndShrink(new MergesATransferTwice());

        assertThat(counterexample.minimal().steps()).as("only a second delivery of the transfer shows the fault")
                .extracting(Step::action).contains(Control.MERGE, Control.DELIVER, Control.REDELIVER);
    }

    @Test
    void forwardedEventsLostAreCaughtAndShrunk() {
        Counterexample counterexample = findAndShrink(new DropsForwardedEvents());

        List<Step> steps = counterexample.minimal().steps();
        int merge = steps.stream().map(Step::action).toList().indexOf(Control.MERGE);
        assertThat(merge).as("a merge, then an event of a to forward").isNotNegative();
        assertThat(steps.subList(merge, steps.size())).as("an event of a after the merge")
                .anyMatch(step -> step.event() != null && step.event().anonymous());
    }

    private static Counterexample findAndShrink(ScenarioChecker faulty) {
        Counterexample counterexample = ModelProperty.firstCounterexample(
                LongStream.range(0, ModelProperty.DEFAULT_TRIES), faulty).orElseThrow(
                () -> new AssertionError("the default seeds did not catch " + faulty.getClass().getSimpleName()));

        assertThat(ModelProperty.check(counterexample.seed(), new ScenarioChecker())).as("without the fault the seed passes")
                .isEmpty();
        assertThat(faulty.firstMismatch(counterexample.minimal())).as("the shrunk scenario still fails").isPresent();
        assertThat(counterexample.minimal().size()).as(counterexample.report())
                .isLessThanOrEqualTo(5)
                .isLessThan(counterexample.original().size());
        assertThat(counterexample.report()).contains("seed " + counterexample.seed(),
                counterexample.original().size() + " steps", counterexample.minimal().toString());
        return counterexample;
    }
}
