package io.segflow.bench.pipeline;

import io.segflow.bench.engine.SegmentCatalog;
import io.segflow.core.event.Event;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * The events segment-function gets from ingest for an online shop, as normalized records: track calls on the
 * catalog's event names with product or order properties and an analytics.js context, and identify calls with
 * traits, in {@code TypicalUser}'s mix. Not thread-safe: one generator per sending thread.
 */
final class ShopTraffic {
    private static final String[] CATEGORIES = {"shoes", "shirts", "bags", "watches", "hats"};

    private final String run;
    private final int users;
    private final SplittableRandom random = new SplittableRandom();
    /** When set, messageIds are this prefix and the event's number (0, 1, …, in the order made) instead of UUIDs. */
    private String numberedIds;
    private long nextNumber;

    /** {@code run} keeps one invocation's users apart from earlier runs' on the same stack. */
    ShopTraffic(String run, int users) {
        this.run = run;
        this.users = users;
    }

    /** A user of the pool; events of one user keep their order on its partition. */
    String user(int index) {
        return user(run, index);
    }

    /** The pool's user of {@code index} in the run {@code run}. */
    static String user(String run, int index) {
        return "shop-" + run + "-" + index;
    }

    /** The next event of a random user of the pool, in the typical mix. */
    Event next() {
        String user = user(random.nextInt(users));
        double pick = random.nextDouble();
        if (pick < 0.03) {
            return identify(user);
        } else if (pick < 0.48) {
            return view(user, SegmentCatalog.view(0));
        } else if (pick < 0.63) {
            return cart(user);
        } else if (pick < 0.70) {
            return buy(user);
        }
        return view(user, SegmentCatalog.view(1));
    }

    /** An event on a name only the probe segment reads: it flips the user in or out of that segment, one change. */
    Event probe(String user) {
        return track(user, BenchCatalog.PROBE_EVENT, props("sku", sku(), "price", price(5, 150)));
    }

    /** One unweighted view: the event that registers a user for backfills. */
    Event view(String user, String name) {
        String category = CATEGORIES[random.nextInt(CATEGORIES.length)];
        return track(user, name, props("sku", sku(), "category", category, "name", "Classic " + category,
                "price", price(5, 150), "currency", "EUR"));
    }

    /**
     * The typical mix without identify calls, for a known user browsing on with {@code anonymousId} (as analytics.js
     * sends every call after an identify): product views, add to cart, orders.
     */
    Event nextTrack(String user, String anonymousId) {
        double pick = random.nextDouble() * 0.97;
        if (pick < 0.45) {
            return productViewed(user, anonymousId, SegmentCatalog.view(0));
        } else if (pick < 0.60) {
            return addToCart(user, anonymousId);
        } else if (pick < 0.67) {
            return track(user, anonymousId, SegmentCatalog.buy(0), props("orderId", "o-" + random.nextInt(1_000_000),
                    "amount", price(20, 300), "currency", "EUR", "items", 1 + random.nextInt(4)));
        }
        return productViewed(user, anonymousId, SegmentCatalog.view(1));
    }

    /** A page call ({@code analytics.page()}): counted under {@code page}, which no catalog segment reads. */
    Event page(String user, String anonymousId) {
        String category = CATEGORIES[random.nextInt(CATEGORIES.length)];
        Instant now = Instant.now();
        return new Event(Event.SCHEMA_VERSION, "page", messageId(), user, anonymousId, null, "Category " + category, null,
                null, null, props("path", "/" + category, "url", "https://shop.example/" + category,
                "title", "Shop - " + category, "referrer", "https://www.google.com/"), context(), null, now, now, now, now, "web");
    }

    /** A product view with its properties; {@code user} null for an anonymous visitor (then keyed by the anonymousId). */
    Event productViewed(String user, String anonymousId, String name) {
        String category = CATEGORIES[random.nextInt(CATEGORIES.length)];
        return track(user, anonymousId, name, props("sku", sku(), "category", category, "name", "Classic " + category,
                "price", price(5, 150), "currency", "EUR"));
    }

    /** An add to cart of group 0 ({@code cart_0}); {@code user} null for an anonymous visitor. */
    Event addToCart(String user, String anonymousId) {
        return track(user, anonymousId, SegmentCatalog.cart(0), props("sku", sku(), "price", price(5, 150),
                "quantity", 1 + random.nextInt(3), "currency", "EUR"));
    }

    /** A sign-up: analytics.js's identify with the new userId, the visitor's anonymousId and the user's traits. */
    Event identify(String user, String anonymousId) {
        Map<String, Object> traits = props("plan", random.nextInt(4) == 0 ? "free" : "pro", "age", 18 + random.nextInt(50),
                "country", "FR", "email", user + "@example.com", "name", "Bench User",
                "createdAt", Instant.now().toString());
        Instant now = Instant.now();
        return new Event(Event.SCHEMA_VERSION, "identify", messageId(), user, anonymousId, null, null, null, null,
                traits, null, context(), null, now, now, now, now, "web");
    }

    private Event cart(String user) {
        return track(user, SegmentCatalog.cart(0), props("sku", sku(), "price", price(5, 150),
                "quantity", 1 + random.nextInt(3), "currency", "EUR"));
    }

    private Event buy(String user) {
        return track(user, SegmentCatalog.buy(0), props("orderId", "o-" + random.nextInt(1_000_000),
                "amount", price(20, 300), "currency", "EUR", "items", 1 + random.nextInt(4)));
    }

    private Event identify(String user) {
        Map<String, Object> traits = props("plan", random.nextInt(4) == 0 ? "free" : "pro", "age", 18 + random.nextInt(50),
                "country", "FR", "email", user + "@example.com");
        Instant now = Instant.now();
        return new Event(Event.SCHEMA_VERSION, "identify", messageId(), user, anonymousId(user), null, null, null, null,
                traits, null, context(), null, now, now, now, now, "web");
    }

    private Event track(String user, String name, Map<String, Object> properties) {
        return track(user, anonymousId(user), name, properties);
    }

    private Event track(String user, String anonymousId, String name, Map<String, Object> properties) {
        Instant now = Instant.now();
        return new Event(Event.SCHEMA_VERSION, "track", messageId(), user, anonymousId, name, null, null, null,
                null, properties, context(), null, now, now, now, now, "web");
    }

    /**
     * From here on each event's messageId is {@code prefix} and its number, counted from 0 in the order the events
     * are made: a tool matching changes to events then reads the event from the cause, without a map of ids.
     */
    ShopTraffic numberedIds(String prefix) {
        this.numberedIds = prefix;
        return this;
    }

    /** Unique per event, as analytics.js makes them: the id segment-function deduplicates by and causes name. */
    private String messageId() {
        return numberedIds != null ? numberedIds + nextNumber++ : "ajs-next-" + UUID.randomUUID();
    }

    private static String anonymousId(String user) {
        return "anon-" + Integer.toHexString(user.hashCode());
    }

    private Map<String, Object> context() {
        String category = CATEGORIES[random.nextInt(CATEGORIES.length)];
        return props(
                "library", props("name", "analytics.js", "version", "next-1.70.0"),
                "page", props("path", "/" + category, "url", "https://shop.example/" + category,
                        "title", "Shop - " + category, "referrer", "https://www.google.com/"),
                "userAgent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
                "locale", "de-DE",
                "ip", "10.1." + random.nextInt(256) + "." + random.nextInt(256));
    }

    private String sku() {
        return "SKU-" + (1000 + random.nextInt(500));
    }

    private double price(int from, int to) {
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
