package io.segflow.bench.engine;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The same segments as Drools rules (classic engine, DRL), per event: update the user's fact in a stateful
 * session and {@code fireAllRules()}. {@code updateAndFire} gets the fact ready-made (every window and
 * aggregate precomputed, which flatters Drools); {@code buildFactAndFire} also computes it from the profile,
 * as a deployment must on every event.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class DroolsBenchmark {

    @State(Scope.Benchmark)
    public static class Rules {
        @Param({"10", "100", "1000"})
        public int segments;
        EngineFixture fixture;
        DroolsSegments drools;
        DroolsProfile fact;

        @Setup(Level.Trial)
        public void setUp() {
            fixture = new EngineFixture(SegmentCatalog.compile(segments));
            long started = System.nanoTime();
            drools = new DroolsSegments(segments);
            long built = System.nanoTime();
            int compared = DroolsEquivalence.check(segments, fixture.index, drools);
            fact = drools.fact(fixture.profile, SegmentCatalog.SCORING, fixture.now);
            Set<String> matched = drools.evaluate(fact);
            if (!matched.equals(fixture.memberships.since().keySet())) {
                throw new IllegalStateException("Drools " + matched + " vs segflow " + fixture.memberships.since().keySet());
            }
            System.out.printf("%n[drools] %d rules built in %d ms; same segments as segflow at 100 instants (%d matches)%n",
                    segments, (built - started) / 1_000_000, compared);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            drools.close();
        }
    }

    @Benchmark
    public int updateAndFire(Rules state) {
        return state.drools.evaluate(state.fact).size();
    }

    @Benchmark
    public int buildFactAndFire(Rules state) {
        EngineFixture f = state.fixture;
        return state.drools.evaluate(state.drools.fact(f.profile, SegmentCatalog.SCORING, f.now)).size();
    }
}
