package io.segflow.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.event.Event;
import io.segflow.core.json.Json;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Aggregate;
import io.segflow.core.profile.Granularity;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.ProfileFields;
import io.segflow.core.profile.ProfileOp;
import io.segflow.core.profile.Scoring;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property: replaying any event sequence (late and out-of-order events included) through the incremental
 * engine — profile operations, the event index, scheduled time-driven wakes, bucket trimming — gives, at every
 * step and at instants in between, the same memberships as a brute-force model that recomputes every aggregate
 * from the full history. Each seed generates one random sequence; a failure names its seed.
 */
class IncrementalEngineModelTest {
    private static final Scoring SCORING = new Scoring(Duration.ofMinutes(10), Map.of("view", 1.0, "cart", 2.0, "buy", 5.0));
    private static final Map<String, String> CONDITIONS = new TreeMap<>(Map.of(
            "s1", "count(\"view\", \"90s\") >= 2",
            "s2", "count(\"cart\", \"30m\") >= 1 && count(\"view\") >= 3",
            "s3", "sum(\"buy\", \"amount\", \"2h\") > 50",
            "s4", "max(\"buy\", \"amount\") >= 40 || avg(\"buy\", \"amount\", \"1d\") < 20",
            "s5", "now - lastSeen > duration(\"5m\")",
            "s6", "score > 3.5",
            "s7", "inSegment(\"s1\") && !inSegment(\"s6\")",
            "s8", "\"plan\" in traits && traits.plan == \"pro\" && now - lastSeen(\"cart\") < duration(\"10m\")",
            "s9", "last(\"buy\", \"amount\") > 50 && count(\"buy\") >= 2"));
    private static final List<String> NAMES = List.of("view", "view", "cart", "buy", "identify");
    private static final long START = 1_795_600_000_000L;

    private final SegmentIndex index = new SegmentIndex(TestSegments.compile(CONDITIONS));
    private final SegmentEngine engine = new SegmentEngine((condition, user, error) -> { });

    static LongStream seeds() {
        return LongStream.range(0, 300);
    }

    /** An event as the engine receives it: arrival (processing) time and its own, possibly earlier, time. */
    private record Received(long arrival, Event event) {
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void incrementalEqualsBruteForce(long seed) {
        Random random = new Random(seed);
        Map<String, String> hash = new HashMap<>();
        Map<String, Object> traits = new HashMap<>();
        Map<String, Instant> members = new HashMap<>();
        List<Received> history = new ArrayList<>();
        Long wake = null;
        long clock = START;
        int steps = 20 + random.nextInt(60);
        for (int step = 0; step < steps; step++) {
            clock += (long) (random.nextDouble() * random.nextDouble() * 20 * 60_000);
            // Time passes: fire the scheduled wakes due by now, in order, as the scheduler does.
            while (wake != null && wake <= clock) {
                long at = wake;
                Profile profile = new Profile("u", hash, traits);
                SegmentEngine.Outcome outcome = engine.onTime(index, SCORING, profile, new Memberships(members, 0), at);
                apply(outcome.transitions(), members, at);
                wake = outcome.nextWake().isPresent() ? outcome.nextWake().getAsLong() : null;
            }
            assertSame(seed, step, clock, history, members);
            if (random.nextInt(4) == 0) {
                continue; // a pure time step
            }
            Event event = randomEvent(random, clock);
            history.add(new Received(clock, event));
            for (ProfileOp op : ProfileUpdate.operations(event, index.needs(), SCORING, clock)) {
                op.applyTo(hash);
            }
            if (event.traits() != null) {
                traits.putAll(io.segflow.core.redis.RedisCodec.profile("u", List.of(),
                        io.segflow.core.redis.RedisCodec.traitArguments(event.traits())).traits());
            }
            SegmentEngine.Outcome outcome = engine.onEvent(index, SCORING, new Profile("u", hash, traits),
                    new Memberships(members, 0), event, clock);
            apply(outcome.transitions(), members, clock);
            if (outcome.nextWake().isPresent()) {
                wake = wake == null ? outcome.nextWake().getAsLong() : Math.min(wake, outcome.nextWake().getAsLong());
            }
            assertSame(seed, step, clock, history, members);
        }
    }

    private void assertSame(long seed, int step, long now, List<Received> history, Map<String, Instant> members) {
        if (history.isEmpty()) {
            return; // a profile exists from its first event on
        }
        Set<String> expected = engine.matching(index, SCORING, bruteForceProfile(history), Memberships.NONE, now);
        assertThat(members.keySet())
                .as("seed %d, step %d, at +%d ms, history %s", seed, step, now - START,
                        history.stream().map(r -> r.event().event() + "@" + (r.event().timestamp().toEpochMilli() - START)).toList())
                .containsExactlyInAnyOrderElementsOf(expected);
    }

    private static void apply(List<Transition> transitions, Map<String, Instant> members, long at) {
        for (Transition transition : transitions) {
            if (transition.entering()) {
                members.put(transition.segmentId(), Instant.ofEpochMilli(at));
            } else {
                members.remove(transition.segmentId());
            }
        }
    }

    private static Event randomEvent(Random random, long clock) {
        String name = NAMES.get(random.nextInt(NAMES.size()));
        // One event in four is late: it happened up to 40 minutes before it arrives.
        long lateness = random.nextInt(4) == 0 ? (long) (random.nextDouble() * 40 * 60_000) : 0;
        Instant at = Instant.ofEpochMilli(clock - lateness);
        if (name.equals("identify")) {
            return new Event(1, "identify", "m" + random.nextLong(), "u", null, null, null, null, null,
                    Map.of("plan", random.nextBoolean() ? "pro" : "free"), null, null, null, at, null, null, at, "test");
        }
        Map<String, Object> properties = name.equals("buy") ? Map.of("amount", 1 + random.nextInt(100)) : Map.of();
        return new Event(1, "track", "m" + random.nextLong(), "u", null, name, null, null, null, null, properties,
                null, null, at, null, null, at, "test");
    }

    /** Every aggregate recomputed from the whole history, untrimmed, with none of the incremental code. */
    private static Profile bruteForceProfile(List<Received> history) {
        Map<String, String> fields = new HashMap<>();
        Map<String, Object> traits = new HashMap<>();
        Map<String, Long> counts = new HashMap<>();
        Map<String, Aggregate> aggregates = new HashMap<>();
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        long lastBuyAt = Long.MIN_VALUE;
        Map<String, Long> lastSeen = new HashMap<>();
        for (Received received : history) {
            Event event = received.event();
            String name = event.isTrack() ? event.event() : event.type();
            long t = event.timestamp().toEpochMilli();
            counts.merge(ProfileFields.count(name), 1L, Long::sum);
            first = Math.min(first, t);
            last = Math.max(last, t);
            lastSeen.merge(name, t, Math::max);
            for (Granularity g : Granularity.values()) {
                counts.merge(ProfileFields.windowCount(g, name, g.bucketOf(t)), 1L, Long::sum);
            }
            if (event.traits() != null) {
                traits.put("plan", event.traits().get("plan")); // later arrival wins, as identify does
            }
            if (event.properties() != null && event.properties().get("amount") instanceof Number amount) {
                double value = amount.doubleValue();
                aggregates.merge(ProfileFields.aggregate(name, "amount"), Aggregate.EMPTY.plus(value), Aggregate::merge);
                for (Granularity g : Granularity.values()) {
                    aggregates.merge(ProfileFields.windowAggregate(g, name, "amount", g.bucketOf(t)),
                            Aggregate.EMPTY.plus(value), Aggregate::merge);
                }
                if (t >= lastBuyAt) {
                    lastBuyAt = t;
                    fields.put(ProfileFields.lastValue(name, "amount"), t + " " + Json.write(amount));
                }
            }
        }
        counts.forEach((field, n) -> fields.put(field, Long.toString(n)));
        aggregates.forEach((field, aggregate) -> fields.put(field, aggregate.encode()));
        lastSeen.forEach((name, t) -> fields.put(ProfileFields.lastSeen(name), Long.toString(t)));
        if (!history.isEmpty()) {
            fields.put(ProfileFields.FIRST_SEEN, Long.toString(first));
            fields.put(ProfileFields.LAST_SEEN, Long.toString(last));
            double score = 0;
            for (Received received : history) {
                Event event = received.event();
                String name = event.isTrack() ? event.event() : event.type();
                score += SCORING.weightOf(name) * Math.pow(2, -(double) (last - event.timestamp().toEpochMilli())
                        / SCORING.halfLife().toMillis());
            }
            fields.put(ProfileFields.SCORE, score + " " + last);
        }
        return new Profile("u", fields, traits);
    }
}
