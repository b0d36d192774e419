package io.segflow.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.engine.ModelProperty.Counterexample;
import io.segflow.core.engine.Scenario.Control;
import io.segflow.core.engine.Scenario.Step;
import io.segflow.core.event.Event;
import io.segflow.core.history.PartitionHistory;
import io.segflow.core.profile.Profile;
import io.segflow.core.state.UserRecord;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The model property can fail, and then reports a small scenario: faults a caller of the engine could plausibly
 * make are injected into the replay (test code only), and the default seeds must catch each one and shrink it to a
 * few steps. Two of them are in the identity merge: a transfer taken in twice, forwarded events lost; three in the
 * replay of earlier events for a new catalog: an event replayed twice, a retry replayed again, values of an earlier
 * catalog kept.
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

    /** Adds every replayed event twice to the property values it rebuilds. */
    static final class ReplaysEventsTwice extends ScenarioChecker {
        @Override
        protected void replayEvent(Profile profile, Event event, ProfileNeeds only, long nowMillis) {
            super.replayEvent(profile, event, only, nowMillis);
            super.replayEvent(profile, event, only, nowMillis);
        }
    }

    /** Replays an SDK retry again (no messageId memory in the replay), though the live path counted it once. */
    static final class ReplaysRetries extends ScenarioChecker {
        @Override
        protected boolean firstInReplay(Set<String> added, String userAndMessageId) {
            return true;
        }
    }

    /** Never reconciles a profile with its partition's history: values kept before the catalog stay. */
    static final class NeverReconciles extends ScenarioChecker {
        @Override
        protected void reconcile(Profile profile, PartitionHistory history) {
        }
    }

    /**
     * Reconciles a profile until it was reconciled with a catalog after the first, then no more: a later catalog that
     * gains a property the profile held values of (needed, dropped or narrowed, needed again) replays onto them.
     */
    static final class StopsReconciling extends ScenarioChecker {
        @Override
        protected void reconcile(Profile profile, PartitionHistory history) {
            if (profile.aggregatesRevision() <= CATALOG_REVISION) {
                super.reconcile(profile, history);
            }
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

    @Test
    void anEventReplayedTwiceIsCaughtAndShrunk() {
        Counterexample counterexample = findAndShrink(new ReplaysEventsTwice());

        assertThat(counterexample.minimal().steps()).as("an event, then a catalog that replays it")
                .extracting(Step::action).anyMatch(action -> action instanceof Scenario.Catalog);
    }

    @Test
    void aRetryReplayedAgainIsCaughtAndShrunk() {
        Counterexample counterexample = findAndShrink(new ReplaysRetries());

        assertThat(counterexample.minimal().steps()).as("a retry in the log, then a catalog that replays it")
                .extracting(Step::action).containsAnyOf(Control.RETRY_USER, Control.RETRY_ANONYMOUS)
                .anyMatch(action -> action instanceof Scenario.Catalog);
    }

    @Test
    void valuesOfAnEarlierCatalogKeptAreCaughtAndShrunk() {
        Counterexample counterexample = findAndShrink(new NeverReconciles());

        assertThat(counterexample.minimal().steps()).as("a catalog that replays values the profile kept")
                .extracting(Step::action).anyMatch(action -> action instanceof Scenario.Catalog);
    }

    @Test
    void valuesOfAPropertyNeededAgainKeptAreCaughtAndShrunk() {
        Counterexample counterexample = findAndShrink(new StopsReconciling(), 6);

        assertThat(counterexample.minimal().steps()).as("two catalogs that gain properties")
                .filteredOn(step -> step.action() instanceof Scenario.Catalog).hasSizeGreaterThanOrEqualTo(2);
    }

    private static Counterexample findAndShrink(ScenarioChecker faulty) {
        return findAndShrink(faulty, 5);
    }

    private static Counterexample findAndShrink(ScenarioChecker faulty, int maxSteps) {
        Counterexample counterexample = ModelProperty.firstCounterexample(
                LongStream.range(0, ModelProperty.DEFAULT_TRIES), faulty).orElseThrow(
                () -> new AssertionError("the default seeds did not catch " + faulty.getClass().getSimpleName()));

        assertThat(ModelProperty.check(counterexample.seed(), new ScenarioChecker())).as("without the fault the seed passes")
                .isEmpty();
        assertThat(faulty.firstMismatch(counterexample.minimal())).as("the shrunk scenario still fails").isPresent();
        assertThat(counterexample.minimal().size()).as(counterexample.report())
                .isLessThanOrEqualTo(maxSteps)
                .isLessThan(counterexample.original().size());
        assertThat(counterexample.report()).contains("seed " + counterexample.seed(),
                counterexample.original().size() + " steps", counterexample.minimal().toString());
        return counterexample;
    }
}
