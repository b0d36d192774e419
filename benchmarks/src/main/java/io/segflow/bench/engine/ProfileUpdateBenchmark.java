package io.segflow.bench.engine;

import io.segflow.core.engine.ProfileNeeds;
import io.segflow.core.engine.ProfileUpdate;
import io.segflow.core.engine.SegmentIndex;
import io.segflow.core.event.Event;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.ProfileOp;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The profile side of one event, in the JVM, for the typical user and 20 segments (two catalog groups):
 * computing the profile operations and applying them with the Java reference implementation (production
 * applies them in Redis with apply-event.lua: that cost is Redis's, see ProfileMemory), and parsing the
 * profile hash into a {@link Profile}, which segment-function does for every event.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class ProfileUpdateBenchmark {

    @State(Scope.Benchmark)
    public static class TypicalProfile {
        ProfileNeeds needs;
        Map<String, String> hash;
        Map<String, Object> traits;
        Event view;
        Event purchase;
        long now = TypicalUser.NOW.toEpochMilli();

        @Setup(Level.Trial)
        public void setUp() {
            needs = new SegmentIndex(SegmentCatalog.compile(20)).needs();
            List<Event> history = TypicalUser.history();
            hash = new HashMap<>(TypicalUser.hash(history, needs, SegmentCatalog.SCORING));
            traits = TypicalUser.traits(history);
            view = history.get(history.size() - 1);
            purchase = TypicalUser.buy(SegmentCatalog.buy(0), "m-buy-now", TypicalUser.NOW, new Random(7));
            System.out.printf("%n[profile] %d fields; a view makes %d ops, a purchase %d%n", hash.size(),
                    ProfileUpdate.operations(view, needs, SegmentCatalog.SCORING, now).size(),
                    ProfileUpdate.operations(purchase, needs, SegmentCatalog.SCORING, now).size());
        }
    }

    /** Re-applies the same events to one hash: counts grow, buckets stay the same, so the hash stays its size. */
    @Benchmark
    public int updateView(TypicalProfile state) {
        return apply(state, state.view);
    }

    @Benchmark
    public int updatePurchase(TypicalProfile state) {
        return apply(state, state.purchase);
    }

    @Benchmark
    public Profile parseProfile(TypicalProfile state) {
        return new Profile(TypicalUser.USER_ID, state.hash, state.traits);
    }

    private static int apply(TypicalProfile state, Event event) {
        List<ProfileOp> ops = ProfileUpdate.operations(event, state.needs, SegmentCatalog.SCORING, state.now);
        for (ProfileOp op : ops) {
            op.applyTo(state.hash);
        }
        return ops.size();
    }
}
