package io.segflow.core.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segflow.core.engine.ProfileNeeds;
import io.segflow.core.event.Event;
import io.segflow.core.rules.Reads.PropertyRef;
import io.segflow.core.rules.RuleCompiler;
import io.segflow.core.state.CompactReader;
import io.segflow.core.state.CompactWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Merging an anonymous visitor's profile into the user's ({@link Profile#merge}) answers every read as one profile that
 * had applied the events of both: random events over the 100 days before the merge, some late and out of order, are
 * split at random between the user and the anonymous id and also applied, in the same order and at the same times, to
 * that one profile, the oracle. Traits follow their own rule: the user's win, the anonymous id's fill the gaps.
 */
class ProfileMergeTest {
    private static final int TRIES = 300;
    private static final long NOW = 1_795_600_000_000L;
    private static final long MINUTE = 60_000;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;
    private static final Scoring SCORING = new Scoring(Duration.ofDays(3),
            Map.of("view", 1.0, "cart", 2.5, "buy", 5.0, "page", 0.5));
    private static final List<String> EVENT_NAMES = List.of("view", "cart", "buy", "page", "identify", "signup");
    private static final List<String> PROPERTIES = List.of("price", "quantity", "path", "none");
    /**
     * Windowed columns at every granularity: buy.price keeps sum and max (every bucket), buy.quantity only its max and
     * cart.price only its min (only the buckets no later one beats); lifetime aggregates, latest values, the score.
     */
    private static final ProfileNeeds NEEDS = needsOf(
            "count(\"view\", \"90s\") >= 2",
            "sum(\"buy\", \"price\", \"10m\") > 10",
            "avg(\"buy\", \"price\", \"7d\") > 10 && max(\"buy\", \"price\", \"60d\") > 10",
            "max(\"buy\", \"quantity\", \"3h\") > 1 && max(\"buy\", \"quantity\", \"30d\") > 3",
            "min(\"cart\", \"price\", \"15m\") < 5 && min(\"cart\", \"price\", \"5d\") < 1",
            "min(\"buy\", \"price\") < 1 && sum(\"buy\", \"quantity\") > 2 && max(\"cart\", \"price\") > 100",
            "last(\"page\", \"path\") == \"/\" && last(\"buy\", \"price\") > 3",
            "score > 2");
    /** Per granularity: a window segments read, one shorter and the longest, kept or not. */
    private static final List<Window> WINDOWS = Stream.of("10s", "10m", "15m", "30m", "3h", "6h", "1d", "5d", "7d",
            "30d", "60d", "90d").map(Window::parse).toList();
    private static final double[] SCORE_THRESHOLDS = {0.5, 2, 10};
    private static final List<String> PATHS = List.of("/", "/pricing", "/café", "");

    @Test
    void aMergedProfileAnswersEveryReadAsOneProfileOfAllTheEvents() {
        forEachSeed(TRIES, seed -> {
            Random random = new Random(seed);
            checkMerge(new RandomEvents(random), random.nextDouble());
        });
    }

    @Test
    void mergingAnEmptyProfileEitherWayChangesNoRead() {
        forEachSeed(TRIES / 3, seed -> {
            checkMerge(new RandomEvents(new Random(seed)), 0); // the anonymous id has no event
            checkMerge(new RandomEvents(new Random(seed)), 1); // the user has none
        });
    }

    /**
     * Applies random events to the oracle and to the user or (with probability {@code toAnonymous}) the anonymous id,
     * merges, and compares every read, also of the merged profile's stored form, and again after more events.
     */
    private static void checkMerge(RandomEvents events, double toAnonymous) {
        Random random = events.random;
        Profile oracle = new Profile("u");
        Profile user = new Profile("u");
        Profile anonymous = new Profile("a");
        for (RandomEvents.Timed next : events.before(NOW)) {
            oracle.apply(next.event(), NEEDS, SCORING, next.clock());
            (random.nextDouble() < toAnonymous ? anonymous : user).apply(next.event(), NEEDS, SCORING, next.clock());
        }
        Map<String, String> traitJson = new HashMap<>(anonymous.traitJson());
        traitJson.putAll(user.traitJson());
        Map<String, Object> traits = new HashMap<>(anonymous.traits());
        traits.putAll(user.traits());
        // The engine merges profiles read from their stored form.
        if (random.nextBoolean()) {
            user = roundTrip(user);
        }
        if (random.nextBoolean()) {
            anonymous = roundTrip(anonymous);
        }
        long mergedAt = NOW + random.nextInt(120_000);

        user.merge(anonymous, NEEDS, SCORING, mergedAt);

        // The merge trims every event's buckets; the oracle trims them at most once a minute: now, as its next event
        // would. Trimming changes no answer of the windows segments read, only which expired buckets are still held.
        oracle.trimAll(NEEDS, mergedAt);
        Map<String, Object> expected = reads(oracle, mergedAt);
        assertSameReads("merged", reads(user, mergedAt), expected);
        assertSameReads("merged and stored", reads(roundTrip(user), mergedAt), expected);
        assertThat(user.traitJson()).as("traits: the user's win, the anonymous id's fill the gaps").isEqualTo(traitJson);
        assertThat(user.traits()).isEqualTo(traits);
        assertThat(roundTrip(user).traits()).isEqualTo(traits);

        // The merged profile goes on as the oracle (events without traits, which the oracle would take differently).
        long clock = mergedAt;
        for (RandomEvents.Timed next : events.after(mergedAt, 20)) {
            user.apply(next.event(), NEEDS, SCORING, next.clock());
            oracle.apply(next.event(), NEEDS, SCORING, next.clock());
            clock = next.clock();
        }
        user.trimAll(NEEDS, clock);
        oracle.trimAll(NEEDS, clock);
        assertSameReads("merged, then more events", reads(user, clock), reads(oracle, clock));
    }

    @Test
    void onATieOfEventTimesTheUsersLatestValueWins() {
        Profile user = new Profile("u");
        Profile anonymous = new Profile("a");
        user.apply(track("page", NOW, Map.of("path", "/user")), NEEDS, SCORING, NOW);
        anonymous.apply(track("page", NOW, Map.of("path", "/anonymous")), NEEDS, SCORING, NOW);
        anonymous.apply(track("buy", NOW - 1, Map.of("price", 3)), NEEDS, SCORING, NOW);
        user.apply(track("buy", NOW - 2, Map.of("price", 4)), NEEDS, SCORING, NOW);

        user.merge(anonymous, NEEDS, SCORING, NOW);

        assertThat(user.lastValue("page", "path")).isEqualTo(Optional.of("/user"));
        assertThat(user.lastValue("buy", "price")).as("the later event, whichever side").isEqualTo(Optional.of(3L));
    }

    @Test
    void theUsersTraitsWinAndTheAnonymousIdsFillTheGaps() {
        Profile user = new Profile("u");
        Profile anonymous = new Profile("a");
        anonymous.apply(identify(Map.of("plan", "free", "age", 30), NOW), NEEDS, SCORING, NOW);
        user.apply(identify(Map.of("plan", "pro"), NOW - DAY), NEEDS, SCORING, NOW);

        user.merge(anonymous, NEEDS, SCORING, NOW);

        assertThat(user.traits()).isEqualTo(Map.of("plan", "pro", "age", 30L));
        assertThat(user.traitJson()).isEqualTo(Map.of("plan", "\"pro\"", "age", "30"));
        assertThat(anonymous.traits()).as("the merged profile is left as it was").containsEntry("plan", "free");
    }

    @Test
    void aProfileIsNotMergedIntoItself() {
        Profile user = new Profile("u");

        assertThatThrownBy(() -> user.merge(user, NEEDS, SCORING, NOW)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- random events

    /** Random events over the 100 days before a time, at all paces, some late; no two at the same millisecond. */
    private static final class RandomEvents {
        record Timed(Event event, long clock) {
        }

        final Random random;
        private final Set<Long> times = new HashSet<>();
        private int messages;

        RandomEvents(Random random) {
            this.random = random;
        }

        /**
         * 0 to 300 events processed from up to 100 days before {@code end} to {@code end}, in bursts or far apart.
         * Distinct event times: on a tie the oracle keeps the later arrival's latest value, a merge the user's.
         */
        List<Timed> before(long end) {
            int n = random.nextInt(5) == 0 ? random.nextInt(4) : random.nextInt(300);
            long span = List.of(2_000L, 2 * MINUTE, 3 * HOUR, 2 * DAY, 20 * DAY, 100 * DAY).get(random.nextInt(6));
            long[] clocks = new long[n];
            for (int i = 0; i < n; i++) {
                clocks[i] = end - (long) (random.nextDouble() * span);
            }
            java.util.Arrays.sort(clocks);
            List<Timed> events = new ArrayList<>(n);
            for (long clock : clocks) {
                events.add(new Timed(event(Math.max(end - 100 * DAY, clock - lateness()), true), clock));
            }
            return events;
        }

        /** {@code n} events processed after {@code start}, a few seconds to an hour apart, without traits. */
        List<Timed> after(long start, int n) {
            List<Timed> events = new ArrayList<>(n);
            long clock = start;
            for (int i = 0; i < n; i++) {
                clock += random.nextBoolean() ? random.nextInt(5_000) : random.nextInt((int) HOUR);
                events.add(new Timed(event(clock - lateness(), false), clock));
            }
            return events;
        }

        private long lateness() {
            return switch (random.nextInt(8)) {
                case 0 -> random.nextInt(600_000);
                case 1 -> (long) random.nextInt(3 * 86_400) * 1000;
                case 2 -> (long) random.nextInt(100 * 86_400) * 1000;
                default -> 0;
            };
        }

        private Event event(long at, boolean withTraits) {
            while (!times.add(at)) {
                at--;
            }
            String name = EVENT_NAMES.get(random.nextInt(EVENT_NAMES.size()));
            String messageId = "m" + messages++;
            if (name.equals("identify")) {
                return identify(withTraits ? traits() : null, at);
            }
            Map<String, Object> properties = new HashMap<>();
            if (name.equals("buy") || name.equals("cart")) {
                putSometimes(properties, "price", price());
                putSometimes(properties, "quantity", random.nextInt(8) == 0 ? random.nextInt(50) / 10.0 : random.nextInt(5));
            } else if (name.equals("page")) {
                putSometimes(properties, "path", PATHS.get(random.nextInt(PATHS.size())));
            }
            Map<String, Object> traits = withTraits && random.nextInt(10) == 0 ? traits() : null;
            Instant time = Instant.ofEpochMilli(at);
            return new Event(1, "track", messageId, "u", null, name, null, null, null, traits, properties, null, null,
                    time, null, null, time, "test");
        }

        /** Whole numbers, cents, arbitrary doubles, signed zeros and values aggregates must skip. */
        private Object price() {
            return switch (random.nextInt(9)) {
                case 0 -> random.nextInt(1_000);
                case 1, 2 -> random.nextInt(100_000) / 100.0;
                case 3 -> -random.nextInt(10_000) / 100.0;
                case 4 -> random.nextDouble() * 1_000;
                case 5 -> List.of(-0.0, 0.0, 0.1 + 0.2).get(random.nextInt(3));
                case 6 -> "12.50"; // a string: no aggregate, but a latest value
                case 7 -> null;
                default -> 19.99;
            };
        }

        private Map<String, Object> traits() {
            Map<String, Object> traits = new LinkedHashMap<>();
            putSometimes(traits, "plan", List.of("pro", "free", "entreprise ✓").get(random.nextInt(3)));
            putSometimes(traits, "age", 18 + random.nextInt(60));
            putSometimes(traits, "beta", random.nextBoolean());
            putSometimes(traits, "address", Map.of("city", "Zürich", "zip", 8000 + random.nextInt(100)));
            return traits;
        }

        /** Puts the value, a null (which removes a trait), or nothing. */
        private void putSometimes(Map<String, Object> map, String key, Object value) {
            int roll = random.nextInt(6);
            if (roll < 4) {
                map.put(key, value);
            } else if (roll == 4) {
                map.put(key, null);
            }
        }
    }

    private static Event track(String name, long atMillis, Map<String, Object> properties) {
        Instant at = Instant.ofEpochMilli(atMillis);
        return new Event(1, "track", "m", "u", null, name, null, null, null, null, properties, null, null, at, null,
                null, at, "test");
    }

    private static Event identify(Map<String, Object> traits, long atMillis) {
        Instant at = Instant.ofEpochMilli(atMillis);
        return new Event(1, "identify", "m", "u", null, null, null, null, null, traits, null, null, null, at, null,
                null, at, "test");
    }

    // ---- reads

    /** A double compared within {@code tolerance}: sums added in another order, scores decayed another way. */
    private record Approx(double value, double tolerance) {
        static Approx sum(double value) {
            return new Approx(value, 1e-7 + 1e-9 * Math.abs(value));
        }

        boolean near(Object other) {
            return other instanceof Approx(double actual, double ignored)
                    && (Double.compare(value, actual) == 0 || Math.abs(value - actual) <= tolerance);
        }
    }

    /** Reports only the reads that differ: a profile answers several thousand. */
    private static void assertSameReads(String what, Map<String, Object> actual, Map<String, Object> expected) {
        Map<String, Object> differing = new TreeMap<>();
        expected.forEach((read, value) -> {
            Object got = actual.get(read);
            if (value instanceof Approx approx ? !approx.near(got) : !value.equals(got)) {
                differing.put(read, "expected " + value + ", was " + got);
            }
        });
        assertThat(differing).as("%s: reads that differ from one profile of all the events", what).isEmpty();
    }

    /** Every read segments and the scheduler make, at a few instants from {@code clock} on. */
    private static Map<String, Object> reads(Profile profile, long clock) {
        Map<String, Object> reads = new LinkedHashMap<>();
        reads.put("totalEvents", profile.totalEvents());
        reads.put("counts", profile.counts());
        reads.put("lastSeenByEvent", profile.lastSeenByEvent());
        reads.put("bucketCount", profile.bucketCount());
        reads.put("firstSeen", profile.firstSeen());
        reads.put("lastSeen", profile.lastSeen());
        long[] nows = {clock, clock + 45_000, clock + 5_400_000, clock + 3 * DAY, clock + 40 * DAY};
        for (long now : nows) {
            double score = profile.score(SCORING, now);
            reads.put("score@" + now, new Approx(score, 1e-12 + 1e-9 * Math.abs(score)));
        }
        for (double threshold : SCORE_THRESHOLDS) {
            OptionalLong crossing = profile.scoreCrossing(SCORING, threshold);
            reads.put("scoreCrossing " + threshold, crossing.isEmpty() ? "never"
                    : new Approx(crossing.getAsLong(), 1)); // rounded up to a millisecond
        }
        for (String event : Stream.concat(EVENT_NAMES.stream(), Stream.of("never")).toList()) {
            reads.put("count " + event, profile.count(event));
            reads.put("firstSeen " + event, profile.firstSeen(event));
            reads.put("lastSeen " + event, profile.lastSeen(event));
            for (String property : PROPERTIES) {
                Aggregate lifetime = profile.aggregate(event, property);
                reads.put("aggregate " + event + "." + property,
                        List.of(lifetime.n(), lifetime.min(), lifetime.max()));
                reads.put("aggregate " + event + "." + property + " sum", Approx.sum(lifetime.sum()));
                reads.put("lastValue " + event + "." + property, profile.lastValue(event, property));
            }
            for (Window window : WINDOWS) {
                for (long now : nows) {
                    String at = " " + window.text() + "@" + now;
                    reads.put("count " + event + at, profile.count(event, window, now));
                    reads.put("nextWindowChange " + event + at, profile.nextWindowChange(event, null, window, now));
                    for (String property : List.of("price", "quantity", "none")) {
                        String read = "aggregate " + event + "." + property + at;
                        Aggregate aggregate = profile.aggregate(event, property, window, now);
                        int stats = NEEDS.windowStats(new PropertyRef(event, property));
                        reads.put(read, readParts(aggregate, stats));
                        if ((stats & Aggregate.STAT_SUM) != 0) {
                            reads.put(read + " sum", Approx.sum(aggregate.sum()));
                        }
                        reads.put("nextWindowChange " + event + "." + property + at,
                                profile.nextWindowChange(event, property, window, now));
                    }
                }
            }
        }
        return reads;
    }

    /**
     * What segments read of a windowed aggregate: whether it holds values; its count where a segment reads the sum (for
     * avg); the min and the max where read. A column kept only for its max (or min) drops buckets later ones beat, so
     * its count is no count of events, in one profile as in a merged one.
     */
    private static List<Object> readParts(Aggregate aggregate, int stats) {
        List<Object> parts = new ArrayList<>(List.of(aggregate.n() > 0));
        if (stats != Aggregate.STAT_MAX && stats != Aggregate.STAT_MIN) {
            parts.add(aggregate.n());
        }
        if ((stats & Aggregate.STAT_MIN) != 0) {
            parts.add(aggregate.min());
        }
        if ((stats & Aggregate.STAT_MAX) != 0) {
            parts.add(aggregate.max());
        }
        return parts;
    }

    private static Profile roundTrip(Profile profile) {
        CompactWriter out = new CompactWriter(256);
        profile.writeTo(out);
        CompactReader in = new CompactReader(out.toByteArray());
        Profile read = Profile.readFrom(profile.userId(), in);
        assertThat(in.atEnd()).isTrue();
        return read;
    }

    private static ProfileNeeds needsOf(String... conditions) {
        RuleCompiler compiler = new RuleCompiler();
        return ProfileNeeds.of(Stream.of(conditions).map(c -> compiler.compile(c).reads()).toList());
    }

    private interface SeededCheck {
        void check(long seed);
    }

    /** Runs the check for seeds 0 … tries-1; a failure names its seed (replay: {@code new Random(seed)}). */
    private static void forEachSeed(int tries, SeededCheck check) {
        for (long seed = 0; seed < tries; seed++) {
            try {
                check.check(seed);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("fails for seed " + seed + ": " + e.getMessage(), e);
            }
        }
    }
}
