package io.segflow.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.engine.Scenario.Step;
import io.segflow.core.engine.Scenario.StepEvent;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The shrinker on predicates simple enough that the minimal scenario is known exactly. */
class ShrinkerTest {
    private static final Scenario BIG = Scenario.random(new Random(1));

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
