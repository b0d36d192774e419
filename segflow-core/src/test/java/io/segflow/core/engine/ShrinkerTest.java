package io.segflow.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.engine.Scenario.Control;
import io.segflow.core.engine.Scenario.Step;
import io.segflow.core.engine.Scenario.StepEvent;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The shrinker on predicates simple enough that the minimal scenario is known exactly. */
class ShrinkerTest {
    /** 48 steps, with events of both ids, merges and deliveries. */
    private static final Scenario BIG = Scenario.randomWithoutCatalogs(new Random(2));

    @Test
    void keepsOnlyTheStepThatMattersAndShrinksItsNumbersToTheThreshold() {
        Predicate<Scenario> hasABuyOver10 = scenario -> scenario.steps().stream()
                .anyMatch(step -> step.event() != null && step.event().name().equals("buy") && step.event().amount() > 10);

        assertThat(shrink(hasABuyOver10)).isEqualTo(new Scenario(List.of(new Step(0, StepEvent.buy(11, 0)))));
    }

    @Test
    void dropsTheEventAndKeepsTheClockAdvanceThatMatters() {
        Predicate<Scenario> aTenMinuteStep = scenario -> scenario.steps().stream().anyMatch(step -> step.advanceMillis() >= 600_000);

        assertThat(shrink(aTenMinuteStep)).isEqualTo(new Scenario(List.of(Step.timeOnly(600_000))));
    }

    @Test
    void simplifiesNamesTowardViewAndPlansTowardFree() {
        Predicate<Scenario> lateIdentify = scenario -> scenario.steps().stream()
                .anyMatch(step -> step.event() != null && step.event().name().equals("identify") && step.event().lateMillis() >= 1000);
        Predicate<Scenario> lateEvent = scenario -> scenario.steps().stream()
                .anyMatch(step -> step.event() != null && step.event().lateMillis() >= 1000);

        assertThat(shrink(lateIdentify)).isEqualTo(new Scenario(List.of(new Step(0, StepEvent.identify("free", 1000)))));
        assertThat(shrink(lateEvent)).isEqualTo(new Scenario(List.of(new Step(0, StepEvent.of("view", 1000)))));
    }

    @Test
    void keepsTheMergeAndTheEventOfTheAnonymousIdThatMatter() {
        Predicate<Scenario> anEventOfAAfterTheMerge = scenario -> {
            List<Step> steps = scenario.steps();
            int merge = steps.stream().map(Step::action).toList().indexOf(Control.MERGE);
            return merge >= 0 && steps.subList(merge, steps.size()).stream()
                    .anyMatch(step -> step.event() != null && step.event().anonymous());
        };

        assertThat(shrink(anEventOfAAfterTheMerge)).isEqualTo(new Scenario(List.of(
                new Step(0, Control.MERGE), new Step(0, StepEvent.of("view", 0).by(Scenario.ANONYMOUS)))));
    }

    @Test
    void printsOneStepALineWithWhatItDoes() {
        Scenario scenario = new Scenario(List.of(new Step(5, StepEvent.identify("pro", 0)), Step.timeOnly(60_000),
                new Step(0, StepEvent.buy(42, 1_000).by(Scenario.ANONYMOUS)), new Step(0, Control.MERGE),
                new Step(7, Control.DELIVER), new Step(0, Control.REDELIVER), new Step(0, Control.RETRY_ANONYMOUS),
                new Step(0, StepEvent.identify(StepEvent.PLAN_REMOVED, 0))));

        assertThat(scenario.toString()).isEqualTo("""
                    0: +5ms  u identify plan=pro late=0ms
                    1: +60000ms
                    2: +0ms  a buy amount=42 late=1000ms
                    3: +0ms  merge: a's record sent to u, a becomes a forward
                    4: +7ms  deliver: u takes the next record sent by a
                    5: +0ms  redeliver: u gets the transfer again
                    6: +0ms  retry: a's last event again
                    7: +0ms  u identify plan=null late=0ms
                """);
    }

    @Test
    void stopsAfterItsBudgetOfRuns() {
        AtomicInteger calls = new AtomicInteger();
        Shrinker shrinker = new Shrinker(scenario -> calls.incrementAndGet() > 0, 3);

        Scenario shrunk = shrinker.shrink(BIG);

        assertThat(calls).hasValue(3);
        assertThat(shrinker.runs()).isEqualTo(3);
        assertThat(shrunk.size()).isLessThan(BIG.size());
    }

    private static Scenario shrink(Predicate<Scenario> fails) {
        assertThat(fails).as("the predicate fails on the scenario to shrink").accepts(BIG);
        return new Shrinker(fails, 10_000).shrink(BIG);
    }
}
