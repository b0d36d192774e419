package io.segflow.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.segflow.bench.engine.SegmentCatalog;
import io.segflow.core.json.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the soak defines through api-function's admin API (Bearer admin key): the 20 typical segments of
 * {@link SegmentCatalog} with its scoring, three segments on short windows that flip by time within the run, a webhook
 * trigger with a delay on one of them (received by a small HTTP server in this process) and a Kafka trigger on an event
 * with a cooldown; and the backfill segment saved in the middle of the run.
 */
final class AdminApi implements AutoCloseable {
    /** Short windows: browsers enter while they browse and leave a few minutes after they went quiet. */
    static final Map<String, String> SHORT_WINDOWS = Map.of(
            "soak-page-5m", "count(\"page\", \"5m\") >= 3",
            "soak-page-1m", "count(\"page\", \"1m\") >= 1",
            "soak-view-2m", "count(\"" + SegmentCatalog.view(0) + "\", \"2m\") >= 2");
    static final String BACKFILL_SEGMENT = "soak-backfill";
    static final String BACKFILL_CONDITION = "count(\"" + SegmentCatalog.view(0) + "\", \"10m\") >= 2 && count(\""
            + SegmentCatalog.cart(0) + "\") >= 1";

    private final SoakOptions options;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private HttpServer hooks;
    final AtomicLong hookCalls = new AtomicLong();
    final AtomicLong hookDuplicates = new AtomicLong();
    private final Set<String> hookIds = ConcurrentHashMap.newKeySet();

    AdminApi(SoakOptions options) {
        this.options = options;
    }

    /** All segment ids the soak defines (for the member-index sample). */
    static Set<String> segmentIds() {
        Set<String> ids = new java.util.TreeSet<>(SegmentCatalog.celConditions(20).keySet());
        ids.addAll(SHORT_WINDOWS.keySet());
        ids.add(BACKFILL_SEGMENT);
        return ids;
    }

    void defineAll() throws Exception {
        Map<String, Object> weights = new LinkedHashMap<>(SegmentCatalog.SCORING.weights());
        put("/v1/scoring", Map.of("halfLife", SegmentCatalog.SCORING.halfLife().toDays() + "d", "weights", weights));
        for (Map.Entry<String, String> segment : SegmentCatalog.celConditions(20).entrySet()) {
            put("/v1/segments/" + segment.getKey(), Map.of("condition", segment.getValue()));
        }
        for (Map.Entry<String, String> segment : SHORT_WINDOWS.entrySet()) {
            put("/v1/segments/" + segment.getKey(), Map.of("condition", segment.getValue()));
        }
        startHooks();
        put("/v1/triggers/soak-hook", Map.of("name", "soak webhook", "when", Map.of("segment", "soak-page-5m", "change", "entered"),
                "delay", "1m", "cooldown", "10m",
                "action", Map.of("type", "webhook", "url", "http://127.0.0.1:" + hooks.getAddress().getPort() + "/hook")));
        put("/v1/triggers/soak-cart", Map.of("name", "soak cart to kafka", "when", Map.of("event", SegmentCatalog.cart(0)),
                "cooldown", "5m", "action", Map.of("type", "kafka")));
    }

    /** Standard Webhooks receiver: 204 to everything, counting distinct webhook-ids. */
    private void startHooks() throws IOException {
        hooks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        hooks.setExecutor(Executors.newFixedThreadPool(4));
        hooks.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            hookCalls.incrementAndGet();
            String id = exchange.getRequestHeaders().getFirst("webhook-id");
            if (id != null && !hookIds.add(id)) {
                hookDuplicates.incrementAndGet();
            }
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        hooks.start();
    }

    long distinctHooks() {
        return hookIds.size();
    }

    /** Saves the backfill segment (a new catalog revision): segment-function re-evaluates every known user. */
    void saveBackfillSegment() throws Exception {
        put("/v1/segments/" + BACKFILL_SEGMENT, Map.of("condition", BACKFILL_CONDITION));
    }

    /** GET /v1/segments/{id}: its {@code backfill} and {@code memberCount}; null when api does not answer. */
    JsonNode segment(String id) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(options.apiUrl() + "/v1/segments/" + id))
                    .timeout(Duration.ofSeconds(5)).header("Authorization", "Bearer " + options.adminKey()).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? Json.read(response.body(), JsonNode.class) : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    private void put(String path, Object body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(options.apiUrl() + path))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + options.adminKey())
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(Json.write(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException("PUT " + path + ": " + response.statusCode() + " " + response.body());
        }
    }

    @Override
    public void close() {
        if (hooks != null) {
            hooks.stop(0);
            ((java.util.concurrent.ExecutorService) hooks.getExecutor()).shutdownNow();
        }
        http.shutdownNow();
    }
}
