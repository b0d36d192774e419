package io.segflow.core.rules.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.engine.ProfileNeeds;
import io.segflow.core.event.Event;
import io.segflow.core.profile.Aggregate;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.Scoring;
import io.segflow.core.rules.CompiledCondition;
import io.segflow.core.rules.ConditionEvaluator;
import io.segflow.core.rules.EvaluationContext;
import io.segflow.core.rules.ProfileVocabulary;
import io.segflow.core.rules.RuleCompiler;
import io.segflow.core.rules.RuleSyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The plan answers as the CEL program does. Random conditions over the whole vocabulary (including type errors at
 * run time, overflows, missing traits and values) are evaluated both ways on random profiles; a disagreement is
 * shrunk to a smallest condition and reported with its seed ({@code -Dsegflow.plan.seed=N} replays one). The
 * profile is drawn first and the condition's constants are drawn from what it holds, so that comparisons land on
 * their boundaries rather than on values no profile has.
 * {@code -Dsegflow.plan.tries=60000} runs a longer search (about a minute) after a change to the plans.
 */
class ConditionPlanTest {
    private static final int TRIES = Integer.getInteger("segflow.plan.tries", 1_000);
    private static final long NOW = Instant.parse("2026-11-26T12:00:00Z").toEpochMilli();
    private static final Scoring SCORING = new Scoring(Duration.ofHours(6), Map.of("view", 1.0, "buy", 5.0));
    private final RuleCompiler compiler = new RuleCompiler();

    private enum Outcome { TRUE, FALSE, ERROR, LEFT_TO_CEL }

    @Test
    void thePlanAgreesWithTheCelProgram() {
        int answered = 0;
        int evaluated = 0;
        List<Long> seeds = seeds();
        for (long seed : seeds) {
            Random random = new Random(seed);
            Profile profile = randomProfile(random);
            RandomCondition condition = RandomCondition.bool(random, 1 + random.nextInt(4), valuesOf(profile));
            Optional<CompiledCondition> compiled = compiled(condition);
            Optional<String> failure = compiled.flatMap(c -> disagreement(c, profile));
            if (failure.isPresent()) {
                RandomCondition minimal = condition.shrink(c -> disagreement(c, profile).isPresent(), 2_000);
                throw new AssertionError("""
                        The plan disagrees with the CEL program for seed %d (-Dsegflow.plan.seed=%d replays it).
                        Condition: %s
                        Shrunk to: %s
                        %s""".formatted(seed, seed, condition.render(), minimal.render(),
                        disagreement(minimal, profile).orElse(failure.get())));
            }
            Optional<Outcome> plan = compiled.map(c -> planOutcome(c, profile));
            if (plan.isPresent()) {
                evaluated++;
                if (plan.get() != Outcome.LEFT_TO_CEL) {
                    answered++;
                }
            }
        }
        if (seeds.size() > 1) {
            assertThat(evaluated).as("conditions that type-check").isGreaterThan(seeds.size() / 2);
            assertThat(answered).as("evaluations the plan answers itself").isGreaterThan(evaluated / 2);
        }
    }

    @Test
    void theTypicalSegmentShapesHaveAPlan() {
        List<String> conditions = List.of(
                "count(\"view\", \"7d\") >= 10 && count(\"cart\") >= 1",
                "sum(\"buy\", \"amount\", \"30d\") > 100.0 && count(\"view\", \"24h\") >= 1",
                "max(\"view\", \"price\", \"7d\") > 80.0 || (avg(\"buy\", \"amount\") >= 40.0 && last(\"buy\", \"currency\") == \"EUR\")",
                "\"plan\" in traits && traits.plan == \"pro\" && count(\"view\", \"30d\") >= 2",
                "score > 30.0 && count(\"view\", \"7d\") >= 1",
                "now - lastSeen(\"view\") > duration(\"3d\") && count(\"buy\") >= 1",
                "inSegment(\"vip\") && traits.email.endsWith(\"@acme.com\")");
        for (String condition : conditions) {
            assertThat(compiler.compile(condition).plan()).as(condition).isNotNull();
        }
    }

    @Test
    void whatThePlanDoesNotCoverRunsOnTheProgram() {
        CompiledCondition comprehension = compiler.compile("[1, 2, 3].exists(x, x == count(\"view\"))");
        CompiledCondition regex = compiler.compile("traits.email.matches(\"^a.*\")");
        assertThat(comprehension.plan()).isNull();
        assertThat(regex.plan()).isNull();

        Profile profile = Profile.ofCounts("u1", Map.of("view", 2L), Map.of("email", "ann@example.com"));
        assertThat(evaluator(profile).matches(comprehension)).isTrue();
        assertThat(evaluator(profile).matches(regex)).isTrue();
    }

    @Test
    void aNaNIsLeftToTheProgram() {
        CompiledCondition nan = compiler.compile("0.0 / 0.0 < 1.0");
        Profile profile = new Profile("u1");
        assertThat(planOutcome(nan, profile)).isEqualTo(Outcome.LEFT_TO_CEL);
        assertThat(celOutcome(nan, profile)).isNotEqualTo(Outcome.LEFT_TO_CEL);
    }

    @Test
    void anErrorOnOneSideOfAndIsFalseWhenTheOtherSideIsFalse() {
        Profile profile = Profile.ofCounts("u1", Map.of(), Map.of());
        CompiledCondition condition = compiler.compile("traits.missing == 1 && count(\"view\") > 0");
        assertThat(planOutcome(condition, profile)).isEqualTo(Outcome.FALSE);
        CompiledCondition error = compiler.compile("traits.missing == 1 && count(\"view\") == 0");
        assertThat(planOutcome(error, profile)).isEqualTo(Outcome.ERROR);
        assertThat(celOutcome(error, profile)).isEqualTo(Outcome.ERROR);
    }

    @Test
    void theSmallestIntModuloMinusOneIsZeroAsInCel() {
        Profile profile = new Profile("u1");
        CompiledCondition remainder = compiler.compile("((-9223372036854775807 - 1) % -1) == 0");
        CompiledCondition quotient = compiler.compile("((-9223372036854775807 - 1) / -1) == 0");
        assertThat(planOutcome(remainder, profile)).isEqualTo(Outcome.TRUE);
        assertThat(celOutcome(remainder, profile)).isEqualTo(Outcome.TRUE);
        assertThat(planOutcome(quotient, profile)).isEqualTo(Outcome.ERROR);
        assertThat(celOutcome(quotient, profile)).isEqualTo(Outcome.ERROR);
    }

    private Optional<String> disagreement(RandomCondition condition, Profile profile) {
        return compiled(condition).flatMap(c -> disagreement(c, profile));
    }

    private static Optional<String> disagreement(CompiledCondition compiled, Profile profile) {
        Outcome plan = planOutcome(compiled, profile);
        if (plan == Outcome.LEFT_TO_CEL) {
            return Optional.empty();
        }
        Outcome cel = celOutcome(compiled, profile);
        return plan == cel ? Optional.empty()
                : Optional.of("plan: " + plan + ", CEL: " + cel + " on traits " + profile.traits());
    }

    private Optional<CompiledCondition> compiled(RandomCondition condition) {
        try {
            return Optional.of(compiler.compile(condition.render()));
        } catch (RuleSyntaxException e) {
            return Optional.empty();
        }
    }

    private static Outcome planOutcome(CompiledCondition condition, Profile profile) {
        if (condition.plan() == null) {
            return Outcome.LEFT_TO_CEL;
        }
        try {
            return condition.plan().test(context(profile)) ? Outcome.TRUE : Outcome.FALSE;
        } catch (ConditionPlan.EvaluationError e) {
            return Outcome.ERROR;
        } catch (ConditionPlan.LeftToCel e) {
            return Outcome.LEFT_TO_CEL;
        }
    }

    private static Outcome celOutcome(CompiledCondition condition, Profile profile) {
        try {
            return Boolean.TRUE.equals(evaluator(profile).evaluate(condition)) ? Outcome.TRUE : Outcome.FALSE;
        } catch (Exception e) {
            return Outcome.ERROR;
        }
    }

    private static ConditionEvaluator evaluator(Profile profile) {
        return new ConditionEvaluator(context(profile), (c, u, e) -> { });
    }

    private static EvaluationContext context(Profile profile) {
        return new EvaluationContext(profile, NOW, SCORING, Set.of("s1")::contains);
    }

    /** What the random profiles keep: every kind of history the random conditions read. Compiled once, as it never changes. */
    private final ProfileNeeds needs = ProfileNeeds.of(List.of(
            "count(\"view\", \"30m\") + count(\"view\", \"1h\") + count(\"view\", \"24h\") + count(\"view\", \"7d\") + count(\"view\", \"30d\") >= 0",
            "count(\"buy\", \"30m\") + count(\"buy\", \"1h\") + count(\"buy\", \"24h\") + count(\"buy\", \"7d\") + count(\"buy\", \"30d\") >= 0",
            "sum(\"view\", \"price\", \"7d\") + sum(\"buy\", \"amount\", \"30d\") + sum(\"buy\", \"amount\") + sum(\"view\", \"amount\") >= 0.0",
            "min(\"buy\", \"amount\", \"24h\") + max(\"view\", \"price\", \"1h\") + avg(\"buy\", \"price\", \"30m\") >= 0.0",
            "last(\"buy\", \"label\") == 1 || last(\"view\", \"amount\") == 1 || last(\"buy\", \"price\") == 1 || last(\"view\", \"label\") == 1",
            "firstSeen(\"view\") < lastSeen(\"buy\") && score > 0.0")
                    .stream().map(c -> compiler.compile(c).reads()).toList());

    /** A few views and purchases over 40 days, properties of mixed types, and traits of every JSON type. */
    private Profile randomProfile(Random random) {
        Profile profile = new Profile("u1");
        int events = random.nextInt(12);
        for (int i = 0; i < events; i++) {
            Instant at = Instant.ofEpochMilli(NOW - (long) (random.nextDouble() * Duration.ofDays(40).toMillis()));
            Map<String, Object> properties = new HashMap<>();
            for (String property : RandomCondition.PROPERTIES) {
                switch (random.nextInt(6)) {
                    case 0 -> properties.put(property, random.nextInt(200));
                    case 1 -> properties.put(property, random.nextInt(20000) / 100.0);
                    case 2 -> properties.put(property, random.nextBoolean() ? "EUR" : "pro");
                    case 3 -> properties.put(property, boundaryNumber(random));
                    default -> {
                    }
                }
            }
            profile.apply(track(random.nextBoolean() ? "view" : "buy", i, at, properties), needs, SCORING, NOW);
        }
        if (random.nextInt(4) > 0) {
            Map<String, Object> traits = new HashMap<>();
            traits.put("plan", pick(random, "pro", "free", 5, 2.5, boundaryNumber(random)));
            traits.put("age", pick(random, 18, 17.5, "18", boundaryNumber(random), boundaryNumber(random)));
            traits.put("vip", pick(random, true, false, "yes"));
            traits.put("tags", pick(random, List.of("a", "b"), List.of()));
            traits.put("address", pick(random, Map.of("city", "Berlin"), "Main St"));
            profile.apply(identify(events, traits), needs, SCORING, NOW);
        }
        return profile;
    }

    /** A number at one of the boundaries, as JSON can carry it (no NaN or infinity). */
    private static Object boundaryNumber(Random random) {
        if (random.nextBoolean()) {
            return RandomCondition.BOUNDARY_INTS[random.nextInt(RandomCondition.BOUNDARY_INTS.length)];
        }
        double value = RandomCondition.BOUNDARY_DOUBLES[random.nextInt(RandomCondition.BOUNDARY_DOUBLES.length)];
        return Double.isFinite(value) ? value : 0.5;
    }

    /** Every number and time the conditions can read from the profile, as the plan reads them. */
    private static RandomCondition.Values valuesOf(Profile profile) {
        List<Long> ints = new ArrayList<>(List.of(0L));
        List<Double> doubles = new ArrayList<>(List.of(context(profile).score()));
        List<Long> millis = new ArrayList<>(List.of(NOW, profile.firstSeen().toEpochMilli(),
                profile.lastSeen().toEpochMilli()));
        for (String event : RandomCondition.EVENTS) {
            ints.add(profile.count(event));
            for (String window : RandomCondition.WINDOWS) {
                ints.add(profile.count(event, ProfileVocabulary.window(window), NOW));
            }
            millis.add(profile.firstSeen(event).toEpochMilli());
            millis.add(profile.lastSeen(event).toEpochMilli());
            for (String property : RandomCondition.PROPERTIES) {
                Aggregate lifetime = profile.aggregate(event, property);
                doubles.addAll(List.of(lifetime.sum(), lifetime.min(), lifetime.max(), lifetime.avg()));
                profile.lastValue(event, property).ifPresent(value -> addNumber(value, ints, doubles));
            }
        }
        profile.traits().values().forEach(value -> addNumber(value, ints, doubles));
        // The same number of the other sign (0.0 becomes -0.0) and in the other type, so that mixed comparisons meet
        // on equal values too.
        doubles.addAll(doubles.stream().map(d -> -d).toList());
        ints.addAll(ints.stream().filter(l -> l != Long.MIN_VALUE).map(l -> -l).toList());
        List<Long> crossInts = doubles.stream().filter(d -> d == Math.rint(d) && Math.abs(d) < 0x1p63)
                .map(Double::longValue).toList();
        ints.stream().map(Long::doubleValue).forEach(doubles::add);
        ints.addAll(crossInts);
        return new RandomCondition.Values(ints, doubles, millis, NOW);
    }

    private static void addNumber(Object value, List<Long> ints, List<Double> doubles) {
        if (value instanceof Long l) {
            ints.add(l);
        } else if (value instanceof Double d) {
            doubles.add(d);
        }
    }

    private static Object pick(Random random, Object... options) {
        return options[random.nextInt(options.length)];
    }

    private static Event track(String name, int i, Instant at, Map<String, Object> properties) {
        return new Event(1, "track", "m" + i, "u1", null, name, null, null, null, null, properties, null, null, at, null,
                null, at, "test");
    }

    private static Event identify(int i, Map<String, Object> traits) {
        Instant at = Instant.ofEpochMilli(NOW);
        return new Event(1, "identify", "m" + i, "u1", null, null, null, null, null, traits, null, null, null, at, null,
                null, at, "test");
    }

    private static List<Long> seeds() {
        String seed = System.getProperty("segflow.plan.seed");
        if (seed != null && !seed.isBlank()) {
            return List.of(Long.parseLong(seed.trim()));
        }
        List<Long> seeds = new ArrayList<>();
        for (long s = 0; s < TRIES; s++) {
            seeds.add(s);
        }
        return seeds;
    }
}
