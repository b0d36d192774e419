package io.segflow.core.engine;

import static org.assertj.core.api.Assertions.fail;

import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property: replaying any event sequence (late and out-of-order events included) through the incremental
 * engine — the profile and its stored encoding, the event index, scheduled time-driven wakes, bucket trimming, SDK
 * retries — gives, after every step's due wakes and after every step, the same memberships as a brute-force model that
 * answers every read from the full history ({@link BruteForceModel}). Also for two ids, a user "u" and an anonymous
 * id "a" merged into it as segment-function does it (a's record sent to u, a left as a forward, a's later events
 * forwarded, u taking those in whenever they are delivered, once): u then answers for the events of both, and a has
 * no memberships.
 * <p>
 * Also for catalogs saved along the way (both ids on one partition, without a merge): a catalog that reads property
 * aggregates profiles did not keep as it reads them (a new windowed sum, min, max or avg, a lifetime sum, a latest
 * value; or a property needed, dropped or narrowed, and needed again) has the partition replay its earlier events
 * for them, in chunks between live events, retries and wakes, each event counted once; profiles drop older values of
 * such a property before they are read. While the replay runs, the segments that read a replayed property keep their
 * memberships and every other segment agrees with the model; once it ended and the catalog backfill evaluated every
 * user, every segment agrees with the model.
 * <p>
 * Each seed generates one random {@link Scenario}; {@link ScenarioChecker} replays it. A failing scenario is
 * shrunk ({@link Shrinker}) and the failure names the seed, the original size, the minimal scenario one step a
 * line and the first mismatch. System properties (e.g. {@code ./mvnw -pl segflow-core test
 * -Dtest=IncrementalEngineModelTest -Dsegflow.model.seed=42}):
 * <ul>
 *   <li>{@code segflow.model.tries}: how many seeds to try, 0 … tries-1 (default 300);</li>
 *   <li>{@code segflow.model.seed}: try only this seed, to reproduce a failure;</li>
 *   <li>{@code segflow.model.tiesAcrossCatalogs}: {@code true} also generates ties of event times between an event
 *   replayed for a catalog and one applied live after it (off by default: {@code Profile.replay} lets the replayed
 *   one win them, though it arrived first).</li>
 * </ul>
 */
class IncrementalEngineModelTest {
    /** Stateless between replays, and compiling the segments once keeps 300 seeds fast. */
    private static final ScenarioChecker CHECKER = new ScenarioChecker();

    static LongStream seeds() {
        return ModelProperty.seeds();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void incrementalEqualsBruteForce(long seed) {
        ModelProperty.check(seed, CHECKER).ifPresent(counterexample -> fail(counterexample.report()));
    }
}
