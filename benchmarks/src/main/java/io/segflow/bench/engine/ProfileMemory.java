package io.segflow.bench.engine;

import io.segflow.core.engine.ProfileUpdate;
import io.segflow.core.engine.SegmentIndex;
import io.segflow.core.event.Event;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.state.RecentMessages;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The Redis memory of a typical user: replays the typical user's 500 events (30 days, 5 event names) with 20
 * realistic segments enabled into its record, as segment-function does ({@link TypicalRecord}), stores the encoded
 * record at its key and prints {@code MEMORY USAGE}, what the record's bytes are made of, and the targets.
 *
 * <p>Run against a throwaway Redis: {@code java -cp benchmarks.jar io.segflow.bench.engine.ProfileMemory
 * [redis://127.0.0.1:6379]} (or {@code REDIS_URL}). It writes one key of a fresh user id and deletes it at the end;
 * the partition's schedule, registry and segment member indexes (keys shared by many users) are not written.
 */
public final class ProfileMemory {
    private static final int SEGMENTS = 20;
    /** The targets for one typical user: its stored state dedup aside, and its dedup state per event in the window. */
    private static final long MAX_PROFILE_BYTES = 1024;
    private static final double MAX_DEDUP_BYTES_PER_EVENT = 12;

    private final Resp redis;
    private final String key = RedisKeys.user(0, "bench-memory-" + System.currentTimeMillis());

    private ProfileMemory(Resp redis) {
        this.redis = redis;
    }

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : System.getenv().getOrDefault("REDIS_URL", "redis://127.0.0.1:6379");
        try (Resp redis = new Resp(url)) {
            new ProfileMemory(redis).run();
        }
    }

    private void run() throws Exception {
        List<Event> history = TypicalUser.history();
        SegmentIndex index = new SegmentIndex(SegmentCatalog.compile(SEGMENTS));
        UserRecord record = TypicalRecord.replay(history, index);
        byte[] encoded = UserRecordCodec.encode(record);
        redis.callBinary(List.of(bytes("SET"), bytes(key), encoded));
        try {
            report(history, record, encoded);
            ProfileBreakdown.print(history, index);
        } finally {
            redis.call("DEL", key);
        }
    }

    private void report(List<Event> history, UserRecord record, byte[] encoded) throws Exception {
        // MEMORY USAGE counts what the allocator hands out, so it depends on which one Redis was built with.
        String version = info("server", "redis_version") + ", " + info("memory", "mem_allocator");
        long usage = (Long) redis.call("MEMORY", "USAGE", key, "SAMPLES", "0");
        long stored = (Long) redis.call("STRLEN", key);
        System.out.printf("%s; %d events over 30 days, %d segments enabled; key %s (%d characters), %s%n", version,
                history.size(), SEGMENTS, key, key.length(), redis.call("OBJECT", "ENCODING", key));
        // The dedup state is what re-encoding the record without its recent messageIds saves.
        int withoutDedup = UserRecordCodec.encode(new UserRecord(record.userId(), record.memberships(),
                record.scheduledWake(), record.profile(), new RecentMessages())).length;
        int dedup = encoded.length - withoutDedup;
        System.out.printf("MEMORY USAGE (SAMPLES 0)      %6d bytes%n", usage);
        System.out.printf("  of which dedup aside         %6d bytes   target <= %d per typical profile: %s%n", usage - dedup,
                MAX_PROFILE_BYTES, usage - dedup <= MAX_PROFILE_BYTES ? "met" : "NOT met");
        System.out.printf("encoded record                %6d bytes   (STRLEN %d)%n", encoded.length, stored);
        int profile = ProfileBreakdown.encodedSize(record.profile());
        System.out.printf("  profile                      %6d bytes   (%d buckets of count history)%n", profile,
                record.profile().bucketCount());
        System.out.printf("  dedup (recent messageIds)    %6d bytes%n", dedup);
        System.out.printf("  memberships, wake, format    %6d bytes   (%d segments, version %d)%n",
                encoded.length - profile - dedup, record.memberships().since().size(), record.memberships().version());

        long now = TypicalUser.NOW.toEpochMilli();
        long lastDay = history.stream()
                .filter(e -> ProfileUpdate.eventMillis(e) > now - TypicalRecord.DEDUP_WINDOW_MILLIS).count();
        int remembered = record.recent().size();
        double perEvent = (double) dedup / remembered;
        System.out.printf("events in the last 24 h: %d; messageIds remembered: %d (the window, rounded out to whole hours)%n",
                lastDay, remembered);
        System.out.printf("dedup bytes per remembered event: %.1f   target <= %.0f: %s%n", perEvent,
                MAX_DEDUP_BYTES_PER_EVENT, perEvent <= MAX_DEDUP_BYTES_PER_EVENT ? "met" : "NOT met");
    }

    private String info(String section, String field) throws Exception {
        return ((String) redis.call("INFO", section)).lines().filter(l -> l.startsWith(field + ":"))
                .findFirst().orElse(field + ":?");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
