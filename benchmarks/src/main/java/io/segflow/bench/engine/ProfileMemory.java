package io.segflow.bench.engine;

import io.segflow.core.engine.ProfileUpdate;
import io.segflow.core.engine.SegmentEngine;
import io.segflow.core.engine.SegmentIndex;
import io.segflow.core.event.Event;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.ProfileFields;
import io.segflow.core.profile.ProfileOp;
import io.segflow.core.redis.LuaScripts;
import io.segflow.core.redis.RedisCodec;
import io.segflow.core.redis.RedisKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Redis memory of a typical profile: replays the typical user's 500 events (30 days, 5 event names) with
 * 20 realistic segments enabled through the real apply-event.lua and apply-memberships.lua, with the argument
 * layout of segment-function's ProfileStore, then prints {@code MEMORY USAGE} of the user's keys.
 *
 * <p>Run against a throwaway Redis: {@code java -cp benchmarks.jar io.segflow.bench.engine.ProfileMemory
 * [redis://127.0.0.1:6379]} (or {@code REDIS_URL}). It writes only the keys of a fresh user id and deletes them
 * at the end (and resets INFO commandstats); segment member indexes (keys of the segments, not the user) are not
 * written.
 */
public final class ProfileMemory {
    private static final int SEGMENTS = 20;
    private static final long DEDUP_SECONDS = 24 * 3600;

    private final Resp redis;
    private final String user = "bench-memory-" + System.currentTimeMillis();
    private final SegmentIndex index = new SegmentIndex(SegmentCatalog.compile(SEGMENTS));
    private final SegmentEngine engine = new SegmentEngine((condition, u, error) -> { });
    private final String applyEvent;

    private ProfileMemory(Resp redis) throws Exception {
        this.redis = redis;
        this.applyEvent = (String) redis.call("SCRIPT", "LOAD", LuaScripts.APPLY_EVENT);
    }

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : System.getenv().getOrDefault("REDIS_URL", "redis://127.0.0.1:6379");
        try (Resp redis = new Resp(url)) {
            new ProfileMemory(redis).run();
        }
    }

    private void run() throws Exception {
        List<Event> history = TypicalUser.history();
        redis.call("CONFIG", "RESETSTAT"); // so that commandstats count this replay only
        long offset = 0;
        for (Event event : history) {
            long at = ProfileUpdate.eventMillis(event);
            List<?> reply = applyEvent(event, ProfileUpdate.operations(event, index.needs(), SegmentCatalog.SCORING, at), offset++);
            Profile profile = RedisCodec.profile(user, strings(reply.get(1)), strings(reply.get(2)));
            Memberships current = RedisCodec.memberships(strings(reply.get(3)));
            store(current, at, engine.onEvent(index, SegmentCatalog.SCORING, profile, current, event, at).transitions());
        }
        // Settle what time alone changed since the last event (as the scheduler would have).
        List<?> read = (List<?>) redis.call("EVAL", LuaScripts.READ_USER, "4", RedisKeys.profile(user), RedisKeys.traits(user),
                RedisKeys.members(user), RedisKeys.outbox(user));
        Memberships current = RedisCodec.memberships(strings(read.get(2)));
        long now = TypicalUser.NOW.toEpochMilli();
        store(current, now, engine.onTime(index, SegmentCatalog.SCORING,
                RedisCodec.profile(user, strings(read.get(0)), strings(read.get(1))), current, now).transitions());
        report(history);
        cleanUp();
    }

    /** The same KEYS and ARGV as ProfileStore.apply (events from partition 0 of segflow.events). */
    private List<?> applyEvent(Event event, List<ProfileOp> ops, long offset) throws Exception {
        List<String> traitArgs = RedisCodec.traitArguments(event.traits());
        List<String> args = new ArrayList<>(List.of("EVALSHA", applyEvent, "5", RedisKeys.seen(user, event.messageId()),
                RedisKeys.profile(user), RedisKeys.traits(user), RedisKeys.members(user), RedisKeys.outbox(user),
                String.valueOf(DEDUP_SECONDS), ProfileFields.offset(0), String.valueOf(offset), String.valueOf(traitArgs.size())));
        args.addAll(traitArgs);
        ops.forEach(op -> args.addAll(op.arguments()));
        return (List<?>) redis.call(args);
    }

    private void store(Memberships current, long at, List<Transition> transitions) throws Exception {
        if (transitions.isEmpty()) {
            return;
        }
        // No change records: they leave the outbox once Kafka acknowledged them, so a settled user has none.
        List<String> args = new ArrayList<>(List.of("EVAL", LuaScripts.APPLY_MEMBERSHIPS, "2", RedisKeys.members(user),
                RedisKeys.outbox(user), String.valueOf(current.version()), String.valueOf(at), String.valueOf(transitions.size()),
                "")); // no catalog revision to record
        for (Transition transition : transitions) {
            args.add(transition.entering() ? "enter" : "exit");
            args.add(transition.segmentId());
        }
        redis.call(args);
    }

    private void report(List<Event> history) throws Exception {
        String version = ((String) redis.call("INFO", "server")).lines().filter(l -> l.startsWith("redis_version:"))
                .findFirst().orElse("redis_version:?");
        System.out.printf("%s; %s; %d events over 30 days, %d segments enabled%n", version,
                redis.call("CONFIG", "GET", "hash-max-listpack-*"), history.size(), SEGMENTS);
        long total = 0;
        for (String key : List.of(RedisKeys.profile(user), RedisKeys.traits(user), RedisKeys.members(user))) {
            long bytes = (Long) redis.call("MEMORY", "USAGE", key, "SAMPLES", "0");
            total += bytes;
            System.out.printf("%-40s %6d bytes  %4d fields  %s%n", key.replace(user, "u"), bytes,
                    (Long) redis.call("HLEN", key), redis.call("OBJECT", "ENCODING", key));
        }
        System.out.printf("%-40s %6d bytes%n", "profile + traits + members", total);
        System.out.println("profile fields by kind: " + fieldKinds());
        // Redis's own CPU time per script call (no network, no client): the profile update's cost in Redis.
        ((String) redis.call("INFO", "commandstats")).lines().filter(l -> l.startsWith("cmdstat_evalsha"))
                .forEach(line -> System.out.println("apply-event.lua (EVALSHA) in Redis: " + line));
        List<String> markers = keys(RedisKeys.seenPattern(user));
        long markerBytes = (Long) redis.call("MEMORY", "USAGE", markers.get(0), "SAMPLES", "0");
        long lastDay = history.stream().filter(e -> ProfileUpdate.eventMillis(e) > TypicalUser.NOW.toEpochMilli() - DEDUP_SECONDS * 1000).count();
        System.out.printf("dedup marker: %d bytes each; this user has %d events in its last 24 h, so ~%d bytes of markers live%n",
                markerBytes, lastDay, lastDay * markerBytes);
    }

    /** Profile fields counted by kind: c, F, L, S, o, and w/x per granularity (see ProfileFields). */
    private Map<String, Integer> fieldKinds() throws Exception {
        Map<String, Integer> kinds = new TreeMap<>();
        for (String field : (List<String>) (List<?>) redis.call("HKEYS", RedisKeys.profile(user))) {
            String[] parts = field.split(String.valueOf(ProfileFields.SEP));
            String kind = parts[0].equals("w") || parts[0].equals("x") ? parts[0] + parts[1] : parts[0];
            kinds.merge(kind, 1, Integer::sum);
        }
        return kinds;
    }

    private List<String> keys(String pattern) throws Exception {
        List<String> keys = new ArrayList<>();
        String cursor = "0";
        do {
            List<?> page = (List<?>) redis.call("SCAN", cursor, "MATCH", pattern, "COUNT", "1000");
            cursor = (String) page.get(0);
            keys.addAll(strings(page.get(1)));
        } while (!cursor.equals("0"));
        return keys;
    }

    private void cleanUp() throws Exception {
        List<String> keys = keys(RedisKeys.seenPattern(user));
        keys.addAll(List.of(RedisKeys.profile(user), RedisKeys.traits(user), RedisKeys.members(user), RedisKeys.outbox(user)));
        for (int i = 0; i < keys.size(); i += 500) {
            List<String> del = new ArrayList<>(List.of("DEL"));
            del.addAll(keys.subList(i, Math.min(keys.size(), i + 500)));
            redis.call(del);
        }
    }

    private static List<String> strings(Object array) {
        List<String> values = new ArrayList<>();
        for (Object item : (List<?>) array) {
            values.add(String.valueOf(item));
        }
        return values;
    }
}
