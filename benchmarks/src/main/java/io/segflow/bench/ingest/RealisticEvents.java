package io.segflow.bench.ingest;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Track calls as analytics.js sends them for an online shop: product properties, page context, a user agent. */
final class RealisticEvents {
    private static final String[] EVENTS = {"Product Viewed", "Product Added", "Cart Viewed", "Checkout Started",
            "Order Completed", "Products Searched"};
    private static final String[] CATEGORIES = {"shoes", "shirts", "bags", "watches", "hats"};
    private static final int USERS = 50_000;

    private RealisticEvents() {
    }

    /** One call; {@code withType} adds {@code "type":"track"} (batch items). */
    static String track(boolean withType) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int user = random.nextInt(USERS);
        String category = CATEGORIES[random.nextInt(CATEGORIES.length)];
        return "{" + (withType ? "\"type\":\"track\"," : "")
                + "\"messageId\":\"ajs-next-" + UUID.randomUUID() + "\","
                + "\"userId\":\"user-" + user + "\",\"anonymousId\":\"anon-" + (user * 7919L) + "\","
                + "\"event\":\"" + EVENTS[random.nextInt(EVENTS.length)] + "\","
                + "\"properties\":{\"product_id\":\"sku-" + random.nextInt(10_000) + "\",\"category\":\"" + category
                + "\",\"name\":\"Classic " + category + "\",\"price\":" + random.nextInt(5, 300) + ".99,"
                + "\"currency\":\"EUR\",\"quantity\":" + random.nextInt(1, 4) + "},"
                + "\"context\":{\"library\":{\"name\":\"analytics.js\",\"version\":\"next-1.70.0\"},"
                + "\"page\":{\"path\":\"/" + category + "\",\"url\":\"https://shop.example/" + category + "\","
                + "\"title\":\"Shop - " + category + "\",\"referrer\":\"https://www.google.com/\"},"
                + "\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36\","
                + "\"locale\":\"de-DE\",\"ip\":\"10.1." + random.nextInt(256) + "." + random.nextInt(256) + "\"},"
                + "\"timestamp\":\"2026-11-26T10:00:00.000Z\"}";
    }

    static String batch(int size) {
        StringBuilder body = new StringBuilder(size * 800).append("{\"batch\":[");
        for (int i = 0; i < size; i++) {
            body.append(i == 0 ? "" : ",").append(track(true));
        }
        return body.append("],\"sentAt\":\"2026-11-26T10:00:01.000Z\"}").toString();
    }
}
