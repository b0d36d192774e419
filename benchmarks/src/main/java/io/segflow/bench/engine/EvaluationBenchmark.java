package io.segflow.bench.engine;

import io.segflow.core.engine.SegmentEngine;
import io.segflow.core.engine.SegmentIndex;
import io.segflow.core.rules.CompiledSegment;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost per event of segflow's evaluation ({@code SegmentEngine.onEvent}: the touched segments, the membership
 * diff and the next time-driven wake) with 10, 100 and 1,000 enabled segments, against re-evaluating every
 * segment ({@code matching}: what recompute-all engines do) and against a set made only of the touched segments.
 * The profile is built beforehand: {@link ProfileUpdateBenchmark} measures updating and (de)serializing it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class EvaluationBenchmark {

    @State(Scope.Benchmark)
    public static class Segments {
        @Param({"10", "100", "1000"})
        public int segments;
        EngineFixture fixture;

        @Setup(Level.Trial)
        public void setUp() {
            fixture = new EngineFixture(SegmentCatalog.compile(segments));
            System.out.print(fixture.describe("segflow"));
        }
    }

    /** Only the segments a view_0 event touches among 1,000: the baseline for "within 2x". */
    @State(Scope.Benchmark)
    public static class TouchedOnly {
        EngineFixture fixture;

        @Setup(Level.Trial)
        public void setUp() {
            EngineFixture all = new EngineFixture(SegmentCatalog.compile(1000));
            fixture = new EngineFixture(all.touchedBy(all.view));
            System.out.print(fixture.describe("touched only"));
        }
    }

    /**
     * A catalog saved with one new segment (a windowed count) over the typical user evaluated against the one before:
     * the backfill's visit, built from the catalog it replaced (as segment-function builds it: what changed only) and
     * built on its own (every segment, as a user two revisions behind).
     */
    @State(Scope.Benchmark)
    public static class CatalogChange {
        @Param({"20", "1000"})
        public int segments;
        EngineFixture fixture;
        SegmentIndex fromPrevious;
        SegmentIndex onItsOwn;

        @Setup(Level.Trial)
        public void setUp() {
            fixture = new EngineFixture(SegmentCatalog.compile(segments));
            List<CompiledSegment> saved = new ArrayList<>(fixture.index.all());
            saved.add(CountWindowBackfill.newSegment());
            long revision = fixture.index.revision() + 1;
            fromPrevious = new SegmentIndex(saved, revision, fixture.index, false);
            onItsOwn = new SegmentIndex(saved, revision);
        }
    }

    @Benchmark
    public SegmentEngine.Outcome backfillVisit(CatalogChange state) {
        EngineFixture f = state.fixture;
        return f.engine.onCatalog(state.fromPrevious, SegmentCatalog.SCORING, f.profile, f.memberships, OptionalLong.empty(), f.now);
    }

    @Benchmark
    public SegmentEngine.Outcome backfillVisitInFull(CatalogChange state) {
        EngineFixture f = state.fixture;
        return f.engine.onCatalog(state.onItsOwn, SegmentCatalog.SCORING, f.profile, f.memberships, OptionalLong.empty(), f.now);
    }

    /** An unweighted event: it touches the ten segments of its group. */
    @Benchmark
    public SegmentEngine.Outcome onEvent(Segments state) {
        EngineFixture f = state.fixture;
        return f.engine.onEvent(f.index, SegmentCatalog.SCORING, f.profile, f.memberships, f.view, f.now);
    }

    /** A weighted event also touches every segment that reads the score (one per group). */
    @Benchmark
    public SegmentEngine.Outcome onWeightedEvent(Segments state) {
        EngineFixture f = state.fixture;
        return f.engine.onEvent(f.index, SegmentCatalog.SCORING, f.profile, f.memberships, f.cart, f.now);
    }

    /** Full re-evaluation of every segment, for comparison. */
    @Benchmark
    public Set<String> allSegments(Segments state) {
        EngineFixture f = state.fixture;
        return f.engine.matching(f.index, SegmentCatalog.SCORING, f.profile, f.memberships, f.now);
    }

    @Benchmark
    public SegmentEngine.Outcome onEventTouchedOnly(TouchedOnly state) {
        EngineFixture f = state.fixture;
        return f.engine.onEvent(f.index, SegmentCatalog.SCORING, f.profile, f.memberships, f.view, f.now);
    }
}
