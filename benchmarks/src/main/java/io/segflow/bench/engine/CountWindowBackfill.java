package io.segflow.bench.engine;

import io.segflow.core.engine.SegmentEngine;
import io.segflow.core.engine.SegmentIndex;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.rules.CompiledSegment;
import io.segflow.core.rules.RuleCompiler;
import io.segflow.core.rules.SegmentDefinition;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A new windowed count segment backfilled over many typical users, as segment-function's catalog backfill visits
 * them: per chunk of the partition's user registry, {@code SSCAN}, {@code MGET} of the records, a full evaluation of
 * each user against the new catalog (the windowed count answered from the count history), and one {@code MSET} of
 * the records (each now records the new revision, so each is stored). Prints the users per second of the engine alone and of the whole path, and
 * the time for the users loaded.
 *
 * <p>Every user is a copy of the typical user's record (500 events, 20 segments: about 1 KB), under its own key in
 * partition 0's registry. {@code java -cp benchmarks.jar io.segflow.bench.engine.CountWindowBackfill
 * redis://127.0.0.1:36390 [users, default 1000000] [chunk, default 100]}: it writes the users and deletes them at the
 * end, so run it against a throwaway Redis with memory for them (~1.2 GB per million).
 */
public final class CountWindowBackfill {
    /** The new segment: a window over an event no enabled segment counts in windows (the typical user has 12). */
    static final String NEW_CONDITION = "count(\"identify\", \"30d\") >= 10";
    private static final int SEGMENTS = 20;
    private static final String REGISTRY = RedisKeys.users(0);

    private final Resp redis;
    private final int users;
    private final int chunk;
    private final SegmentEngine engine = new SegmentEngine((condition, user, error) -> { });
    private final SegmentIndex before = new SegmentIndex(SegmentCatalog.compile(SEGMENTS), 1);
    private final SegmentIndex after;
    private final byte[] typical;
    private final long now = TypicalUser.NOW.toEpochMilli();

    private CountWindowBackfill(Resp redis, int users, int chunk) {
        this.redis = redis;
        this.users = users;
        this.chunk = chunk;
        List<CompiledSegment> segments = new ArrayList<>(SegmentCatalog.compile(SEGMENTS));
        segments.add(newSegment());
        this.after = new SegmentIndex(segments, 2, before, false); // as segment-function builds a saved catalog
        UserRecord record = TypicalRecord.replay(TypicalUser.history(), before);
        this.typical = UserRecordCodec.encode(record);
    }

    /** The segment saved: {@link #NEW_CONDITION}, enabled. */
    static CompiledSegment newSegment() {
        return new CompiledSegment(new SegmentDefinition("new-window", "new-window", NEW_CONDITION, true, Instant.EPOCH),
                new RuleCompiler().compile(NEW_CONDITION));
    }

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : System.getenv().getOrDefault("REDIS_URL", "redis://127.0.0.1:6379");
        int users = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int chunk = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        try (Resp redis = new Resp(url)) {
            new CountWindowBackfill(redis, users, chunk).run();
        }
    }

    private void run() throws Exception {
        System.out.printf("%d typical users (%d bytes each), %d segments + %s; chunk %d%n", users, typical.length, SEGMENTS,
                NEW_CONDITION, chunk);
        engineOnly();
        load();
        try {
            throughRedis();
        } finally {
            unload();
        }
    }

    /** Decode, evaluate every segment, encode: the CPU of one visit, no I/O. */
    private void engineOnly() {
        int entered = 0;
        long start = System.nanoTime();
        for (int i = 0; i < users; i++) {
            entered += visit("u" + i, typical).entered() ? 1 : 0;
        }
        report("engine only (decode, evaluate, encode)", System.nanoTime() - start, entered);
    }

    /** The backfill's path: SSCAN a chunk, MGET its records, evaluate, MSET them. */
    private void throughRedis() throws Exception {
        int entered = 0;
        int visited = 0;
        String cursor = "0";
        long start = System.nanoTime();
        do {
            List<?> step = (List<?>) redis.call("SSCAN", REGISTRY, cursor, "COUNT", String.valueOf(chunk));
            cursor = (String) step.get(0);
            List<?> ids = (List<?>) step.get(1);
            if (ids.isEmpty()) {
                continue;
            }
            List<byte[]> keys = new ArrayList<>(ids.size() + 1);
            keys.add(bytes("MGET"));
            ids.forEach(id -> keys.add(bytes(RedisKeys.user(0, (String) id))));
            List<?> records = (List<?>) redis.callRaw(keys);
            List<byte[]> writes = new ArrayList<>(2 * ids.size() + 1);
            writes.add(bytes("MSET"));
            for (int i = 0; i < ids.size(); i++) {
                Visit visit = visit((String) ids.get(i), (byte[]) records.get(i));
                visited++;
                writes.add(keys.get(i + 1));
                writes.add(visit.record());
                entered += visit.entered() ? 1 : 0;
            }
            redis.callBinary(writes);
        } while (!"0".equals(cursor));
        report("through Redis (SSCAN, MGET, evaluate, MSET)", System.nanoTime() - start, entered);
        if (visited != users) {
            throw new IllegalStateException("the scan visited " + visited + " of " + users + " users");
        }
    }

    /** One backfill visit: the record to store (it records the new revision), and whether the user entered. */
    private Visit visit(String user, byte[] stored) {
        UserRecord record = UserRecordCodec.decode(user, stored);
        SegmentEngine.Outcome outcome = engine.onCatalog(after, SegmentCatalog.SCORING, record.profile(), record.memberships(),
                record.wakeIfScheduled(), now);
        boolean entered = outcome.transitions().stream().anyMatch(t -> t.entering() && t.segmentId().equals("new-window"));
        record.memberships(outcome.applyTo(record.memberships(), now));
        return new Visit(UserRecordCodec.encode(record), entered);
    }

    private record Visit(byte[] record, boolean entered) {
    }

    private void report(String what, long nanos, int entered) {
        double seconds = nanos / 1e9;
        System.out.printf("%-45s %8.1f s  %,10.0f users/s  %,d entered  (1M users: %.1f s)%n", what, seconds,
                users / seconds, entered, 1e6 / (users / seconds));
    }

    private void load() throws Exception {
        long start = System.nanoTime();
        for (int from = 0; from < users; from += 1_000) {
            List<byte[]> set = new ArrayList<>();
            List<byte[]> register = new ArrayList<>();
            set.add(bytes("MSET"));
            register.add(bytes("SADD"));
            register.add(bytes(REGISTRY));
            for (int i = from; i < Math.min(users, from + 1_000); i++) {
                set.add(bytes(RedisKeys.user(0, "u" + i)));
                set.add(typical);
                register.add(bytes("u" + i));
            }
            redis.callBinary(set);
            redis.callBinary(register);
        }
        System.out.printf("loaded %d users in %.1f s; Redis used_memory %s%n", users, (System.nanoTime() - start) / 1e9,
                ((String) redis.call("INFO", "memory")).lines().filter(l -> l.startsWith("used_memory_human:")).findFirst().orElse("?"));
    }

    private void unload() throws Exception {
        for (int from = 0; from < users; from += 1_000) {
            List<String> keys = new ArrayList<>();
            keys.add("UNLINK");
            for (int i = from; i < Math.min(users, from + 1_000); i++) {
                keys.add(RedisKeys.user(0, "u" + i));
            }
            redis.call(keys);
        }
        redis.call("UNLINK", REGISTRY);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
