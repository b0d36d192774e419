package io.segflow.bench.engine;

import io.segflow.core.engine.ProfileNeeds;
import io.segflow.core.engine.ProfileUpdate;
import io.segflow.core.event.Event;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.Scoring;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A typical user's history: about 500 events over 30 days on five event names (views, carts and purchases
 * of group 0, views of group 1, identify calls), random but reproducible. It ends with a {@code cart_0} and
 * then a {@code view_0} at {@link #NOW}: the events the evaluation benchmarks process.
 */
public final class TypicalUser {
    public static final String USER_ID = "user-4711";
    public static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
    public static final int EVENTS = 500;
    private static final Duration SPAN = Duration.ofDays(30);

    private TypicalUser() {
    }

    /** The history in event-time order; events arrive when they happen (no lateness). */
    public static List<Event> history() {
        Random random = new Random(42);
        long start = NOW.minus(SPAN).toEpochMilli();
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < EVENTS - 2; i++) {
            times.add(start + (long) (random.nextDouble() * (SPAN.toMillis() - 60_000)));
        }
        times.sort(null);
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < times.size(); i++) {
            double pick = random.nextDouble();
            Instant at = Instant.ofEpochMilli(times.get(i));
            String id = "m-" + i;
            if (pick < 0.03) {
                events.add(identify(id, at, random));
            } else if (pick < 0.48) {
                events.add(view(SegmentCatalog.view(0), id, at, random));
            } else if (pick < 0.63) {
                events.add(cart(SegmentCatalog.cart(0), id, at, random));
            } else if (pick < 0.70) {
                events.add(buy(SegmentCatalog.buy(0), id, at, random));
            } else {
                events.add(view(SegmentCatalog.view(1), id, at, random));
            }
        }
        events.add(cart(SegmentCatalog.cart(0), "m-cart-now", NOW.minusSeconds(1), random));
        events.add(view(SegmentCatalog.view(0), "m-view-now", NOW, random));
        return events;
    }

    /**
     * The profile after the first {@code count} events, keeping what the given needs ask for; each event is applied
     * when it happened (its event time is the processing time), as segment-function does for events that arrive live.
     */
    public static Profile profile(List<Event> history, int count, ProfileNeeds needs, Scoring scoring) {
        Profile profile = new Profile(USER_ID);
        for (Event event : history.subList(0, count)) {
            profile.apply(event, needs, scoring, ProfileUpdate.eventMillis(event));
        }
        return profile;
    }

    static Event view(String name, String id, Instant at, Random random) {
        return track(name, id, at, props("sku", sku(random), "category", "shoes", "price", price(random, 5, 150)));
    }

    static Event cart(String name, String id, Instant at, Random random) {
        return track(name, id, at, props("sku", sku(random), "price", price(random, 5, 150), "quantity", 1 + random.nextInt(3)));
    }

    static Event buy(String name, String id, Instant at, Random random) {
        return track(name, id, at, props("orderId", "o-" + random.nextInt(1_000_000), "amount", price(random, 20, 300),
                "currency", "EUR", "items", 1 + random.nextInt(4)));
    }

    static Event identify(String id, Instant at, Random random) {
        Map<String, Object> traits = props("plan", random.nextInt(4) == 0 ? "free" : "pro", "age", 34,
                "country", "FR", "email", USER_ID + "@example.com");
        return new Event(1, "identify", id, USER_ID, null, null, null, null, null, traits, null,
                null, null, at, at, at, at, "web");
    }

    private static Event track(String name, String id, Instant at, Map<String, Object> properties) {
        return new Event(1, "track", id, USER_ID, null, name, null, null, null, null, properties,
                null, null, at, at, at, at, "web");
    }

    private static String sku(Random random) {
        return "SKU-" + (1000 + random.nextInt(500));
    }

    private static double price(Random random, int from, int to) {
        return Math.round((from + random.nextDouble() * (to - from)) * 100) / 100.0;
    }

    private static Map<String, Object> props(Object... pairs) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
