package io.segflow.bench.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.bench.engine.Resp;
import io.segflow.bench.engine.SegmentCatalog;
import io.segflow.core.json.Json;
import io.segflow.core.profile.Scoring;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.redis.ScoringCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The segments segment-function evaluates during a run, written to Redis the way the api-function saves them
 * (definition and revision bump in one MULTI): the 20 typical segments of {@link SegmentCatalog}, its scoring,
 * and a probe segment that every {@value #PROBE_EVENT} event flips, in on an odd count and out on an even one (a
 * change for every probe, of a new user or a returning one, so latency has many samples). A revision bump also starts a backfill over every known user, so nothing is
 * rewritten that is already stored as wanted.
 */
final class BenchCatalog {
    static final String PROBE_SEGMENT = "bench-probe";
    static final String PROBE_EVENT = "probe";
    /** Saved during the latency phase to start a backfill; its condition flips every known user in or out. */
    static final String BACKFILL_SEGMENT = "bench-backfill";
    private static final String ALL_IN = "count(\"bench_never\") == 0";
    private static final String ALL_OUT = "count(\"bench_never\") >= 1";
    /** The same answers in other words: saved, they make a new catalog revision that moves nobody. */
    private static final String ALL_IN_AGAIN = "count(\"bench_never\") < 1";
    private static final String ALL_OUT_AGAIN = "count(\"bench_never\") > 0";

    private final Resp redis;

    BenchCatalog(Resp redis) {
        this.redis = redis;
    }

    /** The bench segments by id, with their CEL conditions. */
    static Map<String, String> wanted() {
        Map<String, String> conditions = new TreeMap<>(SegmentCatalog.celConditions(20));
        conditions.put(PROBE_SEGMENT, "count(\"" + PROBE_EVENT + "\") % 2 == 1");
        return conditions;
    }

    /** Writes what differs from {@link #wanted()} and the catalog's scoring; answers whether the revision moved. */
    boolean ensure() throws IOException {
        Map<String, String> missing = new LinkedHashMap<>(wanted());
        missing.entrySet().removeIf(e -> sameCondition(stored(e.getKey()), e.getValue()));
        String scoring = (String) redis.call("GET", RedisKeys.SCORING);
        boolean scoringDiffers = scoring == null || !ScoringCodec.read(scoring).equals(SegmentCatalog.SCORING);
        if (missing.isEmpty() && !scoringDiffers) {
            return false;
        }
        redis.call("MULTI");
        for (Map.Entry<String, String> segment : missing.entrySet()) {
            redis.call("HSET", RedisKeys.SEGMENTS, segment.getKey(), definition(segment.getKey(), segment.getValue()));
        }
        if (scoringDiffers) {
            Scoring wanted = SegmentCatalog.SCORING;
            redis.call("SET", RedisKeys.SCORING, ScoringCodec.write(wanted.halfLife().toDays() + "d", wanted.weights()));
        }
        redis.call("INCR", RedisKeys.SEGMENTS_REVISION);
        redis.call("EXEC");
        return true;
    }

    /** Enabled segments that are not the bench's (another tool's leftovers): they add to the measured work. */
    List<String> foreignSegments() throws IOException {
        @SuppressWarnings("unchecked")
        List<Object> ids = (List<Object>) redis.call("HKEYS", RedisKeys.SEGMENTS);
        return ids.stream().map(String::valueOf)
                .filter(id -> !wanted().containsKey(id) && !BACKFILL_SEGMENT.equals(id))
                .filter(id -> {
                    JsonNode definition = stored(id);
                    return definition != null && definition.path("enabled").asBoolean(true);
                })
                .toList();
    }

    /** The change a backfill brings every known user: all in, or all out again on the next run. */
    /** @param moves whether every known user enters or exits the segment ({@code entering} says which) */
    record Backfill(long revision, boolean moves, boolean entering, long knownUsers) {
        String what() {
            return !moves ? "stay where they are" : entering ? "enter it" : "exit it";
        }
    }

    /**
     * Saves {@link #BACKFILL_SEGMENT} with the opposite condition (or, unless {@code moves}, the same answers in other
     * words); segment-function then re-evaluates every user.
     */
    Backfill startBackfill(int eventPartitions, boolean moves) throws IOException {
        JsonNode current = stored(BACKFILL_SEGMENT);
        boolean in = sameCondition(current, ALL_IN) || sameCondition(current, ALL_IN_AGAIN);
        String condition;
        if (moves) {
            condition = in ? ALL_OUT : ALL_IN;
        } else if (in) {
            condition = sameCondition(current, ALL_IN) ? ALL_IN_AGAIN : ALL_IN;
        } else {
            condition = sameCondition(current, ALL_OUT) ? ALL_OUT_AGAIN : ALL_OUT;
        }
        boolean entering = moves && !in;
        long known = knownUsers(eventPartitions);
        redis.call("MULTI");
        redis.call("HSET", RedisKeys.SEGMENTS, BACKFILL_SEGMENT, definition(BACKFILL_SEGMENT, condition));
        redis.call("INCR", RedisKeys.SEGMENTS_REVISION);
        @SuppressWarnings("unchecked")
        List<Object> results = (List<Object>) redis.call("EXEC");
        return new Backfill((Long) results.getLast(), moves, entering, known);
    }

    /** Whether every partition's backfill went over all its users for {@code revision} (or a later revision's did). */
    static boolean backfillDone(Resp redis, long revision, int eventPartitions) throws IOException {
        for (int partition = 0; partition < eventPartitions; partition++) {
            String progress = (String) redis.call("HGET", RedisKeys.partitionState(partition), RedisKeys.BACKFILL_FIELD);
            if (progress == null) {
                return false;
            }
            long at = Long.parseLong(progress.split(" ")[0]);
            if (at < revision || at == revision && !progress.endsWith(" done")) {
                return false;
            }
        }
        return true;
    }

    /** Users segment-function keeps for backfills (its registry: one set per partition of segflow.events). */
    long knownUsers(int eventPartitions) throws IOException {
        long users = 0;
        for (int partition = 0; partition < eventPartitions; partition++) {
            users += (Long) redis.call("SCARD", RedisKeys.users(partition));
        }
        return users;
    }

    private JsonNode stored(String id) {
        try {
            String json = (String) redis.call("HGET", RedisKeys.SEGMENTS, id);
            return json == null ? null : Json.read(json, JsonNode.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean sameCondition(JsonNode definition, String condition) {
        return definition != null && definition.path("enabled").asBoolean(false)
                && condition.equals(definition.path("condition").asText());
    }

    private static String definition(String id, String condition) {
        Map<String, Object> definition = new LinkedHashMap<>();
        definition.put("id", id);
        definition.put("name", id);
        definition.put("condition", condition);
        definition.put("enabled", true);
        definition.put("updatedAt", Instant.now().toString());
        return Json.write(definition);
    }
}
