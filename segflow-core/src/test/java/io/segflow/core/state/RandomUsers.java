package io.segflow.core.state;

import io.segflow.core.engine.ProfileNeeds;
import io.segflow.core.event.Event;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Scoring;
import io.segflow.core.rules.RuleCompiler;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random stored users for the codec's properties, built the way the engine builds them: random events (late, out of
 * order, far apart, with odd property values and traits) applied to a profile that keeps every kind of data the
 * conditions below need — buckets of every granularity, windowed and lifetime aggregates, latest values, the score.
 */
final class RandomUsers {
    static final long START = 1_795_600_000_000L;
    static final long DEDUP_WINDOW_MILLIS = Duration.ofHours(24).toMillis();
    static final Scoring SCORING = new Scoring(Duration.ofMinutes(30),
            Map.of("view", 1.0, "cart", 2.5, "buy", 5.0, "page", 0.5));
    static final List<String> EVENT_NAMES = List.of("view", "cart", "buy", "page", "identify", "signup", "注文");
    static final List<String> PROPERTIES = List.of("price", "quantity", "path", "none");
    private static final List<String> CONDITIONS = List.of(
            "count(\"view\", \"90s\") >= 2",
            "count(\"view\", \"30m\") >= 1 && count(\"注文\", \"2h\") > 0",
            "count(\"cart\", \"3d\") >= 1",
            "count(\"buy\", \"30d\") >= 1",
            "sum(\"buy\", \"price\", \"1h\") > 10",
            "avg(\"buy\", \"price\", \"7d\") > 10 && max(\"buy\", \"quantity\", \"7d\") > 1",
            "max(\"buy\", \"price\", \"60d\") > 10",
            "min(\"buy\", \"price\") < 1 && sum(\"buy\", \"quantity\") > 2",
            "last(\"page\", \"path\") == \"/\"",
            "last(\"buy\", \"price\") > 3",
            "score > 2",
            "now - lastSeen(\"cart\") > duration(\"1h\")");
    static final ProfileNeeds NEEDS = ProfileNeeds.of(CONDITIONS.stream()
            .map(condition -> new RuleCompiler().compile(condition).reads()).toList());
    private static final List<String> PATHS = List.of("/", "/pricing", "/café", "/日本語/ページ", "/😀", "");
    private static final List<String> SEGMENTS = List.of("vip", "carts", "idle", "pro", "ß-segment", "a", "b", "c");

    private final Random random;
    private final String userId;
    /** How far apart this user's events can be: from milliseconds (0) to weeks (5). */
    private final int pace;
    private long clock = START;
    private int messages;

    RandomUsers(Random random, String userId) {
        this.random = random;
        this.userId = userId;
        this.pace = random.nextInt(6);
    }

    /** A user after 0 to 300 random events, with random memberships, wake and recent messageIds. */
    UserRecord user() {
        return user(random.nextInt(5) == 0 ? random.nextInt(3) : random.nextInt(300));
    }

    UserRecord user(int events) {
        UserRecord user = UserRecord.empty(userId);
        for (int i = 0; i < events; i++) {
            applyNext(user);
        }
        user.memberships(memberships());
        user.scheduledWake(random.nextBoolean() ? UserRecord.NO_WAKE : clock + 1 + random.nextInt(100_000_000));
        return user;
    }

    /** The processing time of the last event. */
    long clock() {
        return clock;
    }

    /** Time passes with no event. */
    void pass(long millis) {
        clock += millis;
    }

    /** Delivers the next random event to the user: clock advance, dedup, profile. */
    void applyNext(UserRecord user) {
        applyNext(List.of(user));
    }

    /** Delivers the same next random event to each of the users (copies of one user). */
    void applyNext(List<UserRecord> users) {
        clock += advance();
        Event event = event("m" + messages++);
        for (UserRecord user : users) {
            user.recent().checkAndRemember(event.messageId(), clock, DEDUP_WINDOW_MILLIS);
            user.profile().apply(event, NEEDS, SCORING, clock);
        }
    }

    private long advance() {
        return switch (random.nextInt(pace + 1)) {
            case 0 -> 0;
            case 1 -> random.nextInt(2_000);
            case 2 -> random.nextInt(120_000);
            case 3 -> random.nextInt(3_600_000);
            case 4 -> random.nextInt(86_400_000);
            default -> (long) random.nextInt(30) * 86_400_000;
        };
    }

    private long lateness() {
        return switch (random.nextInt(8)) {
            case 0 -> random.nextInt(600_000);
            case 1 -> (long) random.nextInt(3 * 86_400) * 1000;
            case 2 -> (long) (95 + random.nextInt(100)) * 86_400_000; // older than every window
            default -> 0;
        };
    }

    private Event event(String messageId) {
        String name = EVENT_NAMES.get(random.nextInt(EVENT_NAMES.size()));
        Instant at = Instant.ofEpochMilli(clock - lateness());
        if (name.equals("identify")) {
            return new Event(1, "identify", messageId, userId, null, null, null, null, null, traits(), null, null,
                    null, at, null, null, at, "test");
        }
        Map<String, Object> properties = new HashMap<>();
        if (name.equals("buy")) {
            putSometimes(properties, "price", price());
            putSometimes(properties, "quantity", random.nextInt(5));
        } else if (name.equals("page")) {
            putSometimes(properties, "path", random.nextInt(10) == 0 ? Map.of("nested", List.of(1, "two"))
                    : PATHS.get(random.nextInt(PATHS.size())));
        }
        Map<String, Object> traits = random.nextInt(10) == 0 ? traits() : null;
        return new Event(1, "track", messageId, userId, null, name, null, null, null, traits, properties, null, null,
                at, null, null, at, "test");
    }

    /** Whole numbers, cents, arbitrary and extreme doubles, and values aggregates must skip. */
    private Object price() {
        return switch (random.nextInt(10)) {
            case 0 -> random.nextInt(1_000);
            case 1, 2 -> random.nextInt(100_000) / 100.0;
            case 3 -> -random.nextInt(10_000) / 100.0;
            case 4 -> random.nextDouble() * 1_000;
            case 5 -> List.of(1e300, -1e-300, -0.0, 0.1 + 0.2, Double.MAX_VALUE, (double) Long.MAX_VALUE)
                    .get(random.nextInt(6));
            case 6 -> random.nextLong();
            case 7 -> "12.50"; // a string: no aggregate, but a latest value
            case 8 -> null;
            default -> 19.99;
        };
    }

    private Map<String, Object> traits() {
        Map<String, Object> traits = new LinkedHashMap<>();
        putSometimes(traits, "plan", List.of("pro", "free", "entreprise ✓").get(random.nextInt(3)));
        putSometimes(traits, "age", 18 + random.nextInt(60));
        putSometimes(traits, "balance", random.nextInt(100_000) / 100.0);
        putSometimes(traits, "beta", random.nextBoolean());
        putSometimes(traits, "address", Map.of("city", "Zürich", "zip", 8000 + random.nextInt(100)));
        putSometimes(traits, "tags", List.of("a", "日本"));
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

    private Memberships memberships() {
        Map<String, Instant> since = new HashMap<>();
        int n = random.nextInt(SEGMENTS.size() + 1);
        for (int i = 0; i < n; i++) {
            since.put(SEGMENTS.get(random.nextInt(SEGMENTS.size())), Instant.ofEpochMilli(START + random.nextInt(1 << 30)));
        }
        return new Memberships(since, random.nextInt(1_000_000), random.nextInt(100));
    }
}
