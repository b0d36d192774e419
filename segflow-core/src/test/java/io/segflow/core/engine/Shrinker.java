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
 * first tries every event of a as u's, drops every step of one kind, then runs of steps (halves, quarters, … single
 * steps, then pairs of a short scenario; a drop that makes the failure go is tried again with the later steps kept at
 * their times), then simplifies each step (no action — no event, no merge, delivery, retry, catalog or replay —, else an event of u
 * rather than of a, a "view", plan "free", then no clock advance, no lateness, amount 1), and repeats until nothing
 * more goes or the budget of re-runs is spent. Every candidate is a valid scenario: a step that cannot act (a
 * delivery with nothing queued, a merge nobody asked for) does nothing. Numbers shrink by bisection toward their
 * target, so a threshold shows as its exact value. Any failure counts, not only the first one's kind: the minimal
 * scenario may fail differently.
 */
final class Shrinker {
    private static final String SIMPLEST_PLAN = "free";
    /** Pairs of steps are dropped only from scenarios this short: n·(n−1) re-runs at most per round. */
    private static final int PAIRS_UP_TO = 12;

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
            Scenario userOnly = userOnly(current);
            if (!userOnly.equals(current)) {
                current = simplerIfStillFails(current, userOnly);
            }
            current = dropKinds(current);
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

    /**
     * Drops runs of steps, halves first, down to single steps. A run whose drop makes the failure go is tried once more
     * with the next step's clock advance grown by the run's, so that what follows happens when it did.
     */
    private Scenario dropSteps(Scenario scenario) {
        Scenario current = scenario;
        for (int chunk = current.size() / 2; chunk >= 1; chunk /= 2) {
            int from = 0;
            while (from < current.size()) {
                List<Step> rest = new ArrayList<>(current.steps());
                List<Step> run = rest.subList(from, Math.min(from + chunk, rest.size()));
                long advance = run.stream().mapToLong(Step::advanceMillis).sum();
                run.clear();
                Scenario dropped = rest.isEmpty() ? null : droppedIfStillFails(rest, from, advance);
                if (dropped != null) {
                    current = dropped; // the next run now starts at the same index
                } else {
                    from += chunk;
                }
            }
        }
        return current.size() > 2 && current.size() <= PAIRS_UP_TO ? dropPairs(current) : current;
    }

    /**
     * Drops two steps at once, anywhere (each as {@link #droppedIfStillFails} drops one): a failure two steps can
     * each show alone (two routes to the same flip) keeps both through single drops.
     */
    private Scenario dropPairs(Scenario scenario) {
        Scenario current = scenario;
        for (int j = current.size() - 1; j >= 1; j--) {
            for (int i = j - 1; i >= 0 && j < current.size(); i--) {
                List<Step> rest = new ArrayList<>(current.steps());
                Step second = rest.remove(j);
                Step first = rest.remove(i);
                Scenario plain = new Scenario(rest);
                if (stillFails(plain)) {
                    current = plain;
                    continue;
                }
                // each dropped step's advance to the step after it, so that what is left happens when it did
                List<Step> timed = new ArrayList<>(current.steps());
                for (int k : new int[] {j, i}) {
                    if (k + 1 < timed.size()) {
                        Step next = timed.get(k + 1);
                        timed.set(k + 1, new Step(next.advanceMillis() + timed.get(k).advanceMillis(), next.action()));
                    }
                    timed.remove(k);
                }
                if (first.advanceMillis() + second.advanceMillis() > 0 && stillFails(new Scenario(timed))) {
                    current = new Scenario(timed);
                }
            }
        }
        return current;
    }

    /** The steps left, else with the next one's advance grown by {@code advance}, whichever fails first; or null. */
    private Scenario droppedIfStillFails(List<Step> rest, int next, long advance) {
        Scenario candidate = new Scenario(rest);
        if (stillFails(candidate)) {
            return candidate;
        }
        if (advance == 0 || next >= rest.size()) {
            return null;
        }
        List<Step> timed = new ArrayList<>(rest);
        timed.set(next, new Step(rest.get(next).advanceMillis() + advance, rest.get(next).action()));
        candidate = new Scenario(timed);
        return stillFails(candidate) ? candidate : null;
    }

    /**
     * Drops every step of one kind at once (every "cart", every retry, every time step, …), the next kept step's
     * clock advance grown by theirs: one candidate per kind, so that a failure that several kinds show is kept with
     * fewer of them before steps are dropped one by one.
     */
    private Scenario dropKinds(Scenario scenario) {
        Scenario current = scenario;
        for (String kind : current.steps().stream().map(Shrinker::kind).distinct().toList()) {
            List<Step> kept = new ArrayList<>();
            long advance = 0;
            for (Step step : current.steps()) {
                if (kind(step).equals(kind)) {
                    advance += step.advanceMillis();
                } else {
                    kept.add(new Step(advance + step.advanceMillis(), step.action()));
                    advance = 0;
                }
            }
            if (!kept.isEmpty() && kept.size() < current.size()) {
                current = simplerIfStillFails(current, new Scenario(kept));
            }
        }
        return current;
    }

    private static String kind(Step step) {
        return step.action() == null ? "time" : step.event() != null ? step.event().name() : step.action().toString();
    }

    /** Every event of a as u's: one candidate, since a lone event of a moved to u often changes what fails. */
    private static Scenario userOnly(Scenario scenario) {
        return new Scenario(scenario.steps().stream()
                .map(step -> step.event() instanceof StepEvent event && event.anonymous()
                        ? new Step(step.advanceMillis(), event.by(Scenario.USER)) : step)
                .toList());
    }

    private Scenario simplifyStep(Scenario scenario, int i) {
        Scenario current = scenario;
        if (actionAt(current, i) != null) {
            current = simplerIfStillFails(current, withAction(current, i, null));
        }
        if (eventAt(current, i) instanceof StepEvent event && event.anonymous()) {
            current = simplerIfStillFails(current, withAction(current, i, event.by(Scenario.USER)));
        }
        if (eventAt(current, i) instanceof StepEvent event && !event.name().equals("view")) {
            current = simplerIfStillFails(current, withAction(current, i,
                    StepEvent.of("view", event.lateMillis()).by(event.id())));
        }
        if (eventAt(current, i) instanceof StepEvent event && event.name().equals("identify")
                && !event.plan().equals(SIMPLEST_PLAN)) {
            current = simplerIfStillFails(current, withAction(current, i,
                    StepEvent.identify(SIMPLEST_PLAN, event.lateMillis()).by(event.id())));
        }
        current = shrinkNumber(current, i, 0, Step::advanceMillis, (step, value) -> new Step(value, step.action()));
        if (eventAt(current, i) != null) {
            current = shrinkNumber(current, i, 0, step -> step.event().lateMillis(),
                    (step, value) -> new Step(step.advanceMillis(), step.event().late(value)));
        }
        if (eventAt(current, i) instanceof StepEvent event && event.name().equals("buy")) {
            current = shrinkNumber(current, i, 1, step -> step.event().amount(), (step, value) -> new Step(
                    step.advanceMillis(), StepEvent.buy(Math.toIntExact(value), step.event().lateMillis()).by(step.event().id())));
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

    private static Scenario.Action actionAt(Scenario scenario, int i) {
        return scenario.steps().get(i).action();
    }

    private static StepEvent eventAt(Scenario scenario, int i) {
        return scenario.steps().get(i).event();
    }

    private static Scenario withAction(Scenario scenario, int i, Scenario.Action action) {
        return replace(scenario, i, new Step(scenario.steps().get(i).advanceMillis(), action));
    }

    private static Scenario replace(Scenario scenario, int i, Step step) {
        List<Step> steps = new ArrayList<>(scenario.steps());
        steps.set(i, step);
        return new Scenario(steps);
    }
}
