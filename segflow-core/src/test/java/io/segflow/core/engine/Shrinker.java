package io.segflow.core.engine;

import io.segflow.core.engine.Scenario.Step;
import io.segflow.core.engine.Scenario.StepEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.LongFunction;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * Minimises a failing scenario while it keeps failing, so that a failure reads as the few steps that matter:
 * first drops runs of steps (halves, quarters, … single steps), then simplifies each step (no event, else a
 * "view", plan "free", then no clock advance, no lateness, amount 1), and repeats until nothing more goes or the
 * budget of re-runs is spent. Numbers shrink by bisection toward their target, so a threshold shows as its exact
 * value. Any failure counts, not only the first one's kind: the minimal scenario may fail differently.
 */
final class Shrinker {
    private static final String SIMPLEST_PLAN = "free";

    private final Predicate<Scenario> fails;
    private final int maxRuns;
    private int runs;

    Shrinker(Predicate<Scenario> fails, int maxRuns) {
        this.fails = fails;
        this.maxRuns = maxRuns;
    }

    /** @param failing a scenario the predicate fails on */
    Scenario shrink(Scenario failing) {
        Scenario current = failing;
        Scenario before;
        do {
            before = current;
            current = dropSteps(current);
            for (int i = 0; i < current.size(); i++) {
                current = simplifyStep(current, i);
            }
        } while (!current.equals(before) && runs < maxRuns);
        return current;
    }

    /** How many times the predicate ran. */
    int runs() {
        return runs;
    }

    private boolean stillFails(Scenario candidate) {
        if (runs >= maxRuns) {
            return false; // out of budget: keep what we have
        }
        runs++;
        return fails.test(candidate);
    }

    private Scenario dropSteps(Scenario scenario) {
        Scenario current = scenario;
        for (int chunk = current.size() / 2; chunk >= 1; chunk /= 2) {
            int from = 0;
            while (from < current.size()) {
                List<Step> rest = new ArrayList<>(current.steps());
                rest.subList(from, Math.min(from + chunk, rest.size())).clear();
                Scenario candidate = new Scenario(rest);
                if (!rest.isEmpty() && stillFails(candidate)) {
                    current = candidate; // the next chunk now starts at the same index
                } else {
                    from += chunk;
                }
            }
        }
        return current;
    }

    private Scenario simplifyStep(Scenario scenario, int i) {
        Scenario current = scenario;
        if (eventAt(current, i) != null) {
            current = simplerIfStillFails(current, withEvent(current, i, null));
        }
        if (eventAt(current, i) instanceof StepEvent event && !event.name().equals("view")) {
            current = simplerIfStillFails(current, withEvent(current, i, StepEvent.of("view", event.lateMillis())));
        }
        if (eventAt(current, i) instanceof StepEvent event && event.name().equals("identify")
                && !event.plan().equals(SIMPLEST_PLAN)) {
            current = simplerIfStillFails(current, withEvent(current, i, StepEvent.identify(SIMPLEST_PLAN, event.lateMillis())));
        }
        current = shrinkNumber(current, i, 0, Step::advanceMillis, (step, value) -> new Step(value, step.event()));
        if (eventAt(current, i) != null) {
            current = shrinkNumber(current, i, 0, step -> step.event().lateMillis(), (step, value) -> new Step(
                    step.advanceMillis(), new StepEvent(step.event().name(), value, step.event().amount(), step.event().plan())));
        }
        if (eventAt(current, i) instanceof StepEvent event && event.name().equals("buy")) {
            current = shrinkNumber(current, i, 1, step -> step.event().amount(), (step, value) -> new Step(
                    step.advanceMillis(), StepEvent.buy(Math.toIntExact(value), step.event().lateMillis())));
        }
        return current;
    }

    /**
     * Bisects between the target and the failing value for the smallest value that still fails (the exact one
     * when failing is monotone in it, a smaller failing one in any case).
     */
    private Scenario shrinkNumber(Scenario scenario, int i, long target, ToLongFunction<Step> field,
                                  BiFunction<Step, Long, Step> with) {
        Step step = scenario.steps().get(i);
        long failing = field.applyAsLong(step);
        if (failing == target) {
            return scenario;
        }
        LongFunction<Scenario> withValue = value -> replace(scenario, i, with.apply(step, value));
        if (stillFails(withValue.apply(target))) {
            return withValue.apply(target);
        }
        long passing = target;
        while (failing - passing > 1) {
            long middle = passing + (failing - passing) / 2;
            if (stillFails(withValue.apply(middle))) {
                failing = middle;
            } else {
                passing = middle;
            }
        }
        return withValue.apply(failing);
    }

    private Scenario simplerIfStillFails(Scenario current, Scenario candidate) {
        return stillFails(candidate) ? candidate : current;
    }

    private static StepEvent eventAt(Scenario scenario, int i) {
        return scenario.steps().get(i).event();
    }

    private static Scenario withEvent(Scenario scenario, int i, StepEvent event) {
        return replace(scenario, i, new Step(scenario.steps().get(i).advanceMillis(), event));
    }

    private static Scenario replace(Scenario scenario, int i, Step step) {
        List<Step> steps = new ArrayList<>(scenario.steps());
        steps.set(i, step);
        return new Scenario(steps);
    }
}
