package io.segflow.bench.engine;

import io.segflow.core.engine.ProfileNeeds;
import io.segflow.core.engine.SegmentIndex;
import io.segflow.core.event.Event;
import io.segflow.core.profile.Profile;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import java.util.List;
import java.util.Random;
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
 * The user-state side of one event, for the typical user and 20 segments (two catalog groups): applying the event
 * to the in-memory profile, and encoding the user's record (every write to Redis) and decoding it (a read when the
 * user is not in segment-function's cache, and every api-function read; lazily, for a user held in memory), and the
 * three together as a round does them for a user held in memory.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class ProfileUpdateBenchmark {
    private static final int SEGMENTS = 20;

    /**
     * The profile the events are applied to, again and again: counts and the score grow, the buckets stay those of
     * {@link TypicalUser#NOW}, so the profile keeps its shape.
     */
    @State(Scope.Benchmark)
    public static class Update {
        @Param({"view", "purchase"})
        public String event;
        ProfileNeeds needs;
        Profile profile;
        Event applied;
        final long now = TypicalUser.NOW.toEpochMilli();

        @Setup(Level.Trial)
        public void setUp() {
            needs = new SegmentIndex(SegmentCatalog.compile(SEGMENTS)).needs();
            List<Event> history = TypicalUser.history();
            profile = TypicalUser.profile(history, history.size(), needs, SegmentCatalog.SCORING);
            applied = event.equals("view") ? history.get(history.size() - 1)
                    : TypicalUser.buy(SegmentCatalog.buy(0), "m-buy-now", TypicalUser.NOW, new Random(7));
        }
    }

    @State(Scope.Benchmark)
    public static class Stored {
        UserRecord record;
        byte[] encoded;

        @Setup(Level.Trial)
        public void setUp() {
            record = TypicalRecord.replay(TypicalUser.history(), new SegmentIndex(SegmentCatalog.compile(SEGMENTS)));
            encoded = UserRecordCodec.encode(record);
            System.out.printf("%n[record] %d bytes encoded; %d window buckets, %d messageIds remembered, %d segments%n",
                    encoded.length, record.profile().bucketCount(), record.recent().size(), record.memberships().since().size());
        }
    }

    /** A user segment-function holds in memory, as its bytes, and the event a round applies to it. */
    @State(Scope.Benchmark)
    public static class Held {
        @Param({"view", "purchase"})
        public String event;
        ProfileNeeds needs;
        byte[] encoded;
        Event applied;
        final long now = TypicalUser.NOW.toEpochMilli();

        @Setup(Level.Trial)
        public void setUp() {
            SegmentIndex index = new SegmentIndex(SegmentCatalog.compile(SEGMENTS));
            needs = index.needs();
            List<Event> history = TypicalUser.history();
            encoded = UserRecordCodec.encode(TypicalRecord.replay(history, index));
            applied = event.equals("view") ? history.get(history.size() - 1)
                    : TypicalUser.buy(SegmentCatalog.buy(0), "m-buy-now", TypicalUser.NOW, new Random(7));
        }
    }

    /** What a round does to the user's state for one event: decode what memory holds, apply, encode for the write. */
    @Benchmark
    public byte[] heldUserEvent(Held state) {
        UserRecord record = UserRecordCodec.decodeOwn(TypicalUser.USER_ID, state.encoded, state.encoded.length);
        record.profile().apply(state.applied, state.needs, SegmentCatalog.SCORING, state.now);
        return UserRecordCodec.encode(record);
    }

    /** The same with every event's history decoded, as a record read from Redis is. */
    @Benchmark
    public byte[] heldUserEventDecodingAll(Held state) {
        UserRecord record = UserRecordCodec.decode(TypicalUser.USER_ID, state.encoded);
        record.profile().apply(state.applied, state.needs, SegmentCatalog.SCORING, state.now);
        return UserRecordCodec.encode(record);
    }

    @Benchmark
    public Profile apply(Update state) {
        state.profile.apply(state.applied, state.needs, SegmentCatalog.SCORING, state.now);
        return state.profile;
    }

    @Benchmark
    public byte[] encode(Stored state) {
        return UserRecordCodec.encode(state.record);
    }

    @Benchmark
    public UserRecord decode(Stored state) {
        return UserRecordCodec.decode(TypicalUser.USER_ID, state.encoded);
    }

    /** What memory holds, each event's history left undecoded until read. */
    @Benchmark
    public UserRecord decodeOwn(Stored state) {
        return UserRecordCodec.decodeOwn(TypicalUser.USER_ID, state.encoded, state.encoded.length);
    }
}
