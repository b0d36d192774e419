package io.segflow.core.engine;

import java.util.Optional;
import java.util.Random;
import java.util.stream.LongStream;

/**
 * The property "the incremental engine agrees with the brute-force model" over seeded random scenarios: which seeds
 * to try (see {@link IncrementalEngineModelTest} for the system properties), and a failing seed's shrunk scenario.
 */
final class ModelProperty {
    static final int DEFAULT_TRIES = 300;
    static final String TRIES_PROPERTY = "segflow.model.tries";
    static final String SEED_PROPERTY = "segflow.model.seed";
    /** Re-runs allowed for shrinking: a failing seed costs at most a few seconds more. */
    static final int MAX_SHRINK_RUNS = 3_000;

    private ModelProperty() {
    }

    /** Seeds 0 … tries-1, or only the seed asked for. */
    static LongStream seeds() {
        String seed = System.getProperty(SEED_PROPERTY);
        if (seed != null && !seed.isBlank()) {
            return LongStream.of(Long.parseLong(seed.trim()));
        }
        return LongStream.range(0, Integer.getInteger(TRIES_PROPERTY, DEFAULT_TRIES));
    }

    /** A seed's scenario fails: what it was, what it shrank to and how the shrunk one fails. */
    record Counterexample(long seed, Scenario original, Scenario minimal, int shrinkRuns, String failure) {

        String report() {
            return """
                    The incremental engine disagrees with the brute-force model for seed %d (-D%s=%d replays it).
                    Its scenario of %d steps shrank, in %d re-runs, to %d step(s) (clock advance, then what the step does):
                    %s%s""".formatted(seed, SEED_PROPERTY, seed, original.size(), shrinkRuns, minimal.size(),
                    minimal, failure);
        }
    }

    /** Replays the seed's scenario; if it fails, shrinks it. */
    static Optional<Counterexample> check(long seed, ScenarioChecker checker) {
        Scenario scenario = Scenario.random(new Random(seed));
        if (failure(checker, scenario).isEmpty()) {
            return Optional.empty();
        }
        Shrinker shrinker = new Shrinker(candidate -> failure(checker, candidate).isPresent(), MAX_SHRINK_RUNS);
        Scenario minimal = shrinker.shrink(scenario);
        return Optional.of(new Counterexample(seed, scenario, minimal, shrinker.runs(), failure(checker, minimal).orElseThrow()));
    }

    /** The first of the seeds whose scenario fails, shrunk. */
    static Optional<Counterexample> firstCounterexample(LongStream seeds, ScenarioChecker checker) {
        return seeds.mapToObj(seed -> check(seed, checker)).flatMap(Optional::stream).findFirst();
    }

    /** A mismatch, or an exception the replay threw: both are failures to shrink. */
    private static Optional<String> failure(ScenarioChecker checker, Scenario scenario) {
        try {
            return checker.firstMismatch(scenario).map(ScenarioChecker.Mismatch::toString);
        } catch (RuntimeException e) {
            StackTraceElement[] where = e.getStackTrace();
            return Optional.of("the replay threw " + e + (where.length > 0 ? " at " + where[0] : ""));
        }
    }
}
