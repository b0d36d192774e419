package io.segflow.system;

import io.segflow.testkit.Ports;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import io.restassured.http.ContentType;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The whole path through the four packaged functions, on one real Kafka and one real Redis. */
class EndToEndIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final List<FunctionProcess> FUNCTIONS = new ArrayList<>();
    private static String kafka;
    private static String redis;
    private static FunctionProcess ingest;
    private static FunctionProcess api;
    /** Every function's /q/metrics once all are ready, before any test sends anything. */
    private static final StringBuilder METRICS_AT_START = new StringBuilder();

    @BeforeAll
    static void startStack() throws Exception {
        kafka = TestServices.kafkaBootstrapServers();
        redis = TestServices.redisUrl();
        Map<String, String> shared = Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka, "QUARKUS_REDIS_HOSTS", redis);
        ingest = start("ingest-function", with(shared, "SEGFLOW_WRITE_KEYS", "web:system-write-key"));
        start("segment-function", shared);
        start("trigger-function", shared);
        api = start("api-function", with(with(shared, "SEGFLOW_ADMIN_KEY", "system-admin-key"), "SEGFLOW_TOKENS_SECRET", FaultStack.TOKENS_SECRET));
        // Start all four in parallel: JVM startups dominate this test's time.
        FunctionProcess.awaitAllReady(FUNCTIONS, WAIT);
        for (FunctionProcess function : FUNCTIONS) {
            METRICS_AT_START.append(given().baseUri(function.url()).when().get("/q/metrics").then().statusCode(200).extract().asString());
        }
    }

    @AfterAll
    static void stopStack() throws InterruptedException {
        FunctionProcess.closeAll(FUNCTIONS);
    }

    private static FunctionProcess start(String module, Map<String, String> env) throws Exception {
        FunctionProcess process = FunctionProcess.start(module, freePort(), env);
        FUNCTIONS.add(process);
        return process;
    }

    private static Map<String, String> with(Map<String, String> env, String key, String value) {
        Map<String, String> copy = new java.util.HashMap<>(env);
        copy.put(key, value);
        return copy;
    }

    private static int freePort() {
        return Ports.free();
    }

    @Test
    void twoCartAddsInOneBatchPutTheUserIntoTheSegmentEverywhere() {
        String user = "e2e-" + UUID.randomUUID();
        String segment = "carts-" + UUID.randomUUID().toString().substring(0, 8);
        try (TopicReader changes = new TopicReader(kafka, Topics.SEGMENT_CHANGES);
             TopicReader triggers = new TopicReader(kafka, Topics.TRIGGERS)) {
            given().baseUri(api.url()).header("Authorization", "Bearer system-admin-key").contentType(ContentType.JSON)
                    .body("{\"name\":\"Cart lovers\",\"condition\":\"count(\\\"add_to_cart\\\") >= 2\"}")
                    .when().put("/v1/segments/" + segment)
                    .then().statusCode(201);

            given().baseUri(ingest.url()).auth().preemptive().basic("system-write-key", "").contentType(ContentType.JSON)
                    .body("{\"batch\":["
                            + "{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"add_to_cart\",\"properties\":{\"sku\":\"A\"}},"
                            + "{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"add_to_cart\",\"properties\":{\"sku\":\"B\"}}]}")
                    .when().post("/v1/batch")
                    .then().statusCode(200).body("success", equalTo(true));

            // Front-ends read with a per-user token; the customer's backend (here: the admin API) mints it.
            String token = given().baseUri(api.url()).header("Authorization", "Bearer system-admin-key").contentType(ContentType.JSON)
                    .body("{\"userId\":\"" + user + "\"}")
                    .when().post("/v1/tokens")
                    .then().statusCode(200).extract().path("token");
            given().baseUri(api.url()).when().get("/v1/users/" + user + "/segments").then().statusCode(401);

            await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    given().baseUri(api.url()).header("Authorization", "Bearer " + token).when().get("/v1/users/" + user + "/segments")
                            .then().statusCode(200)
                            .body("segments.id", org.hamcrest.Matchers.contains(segment))
                            .body("version", equalTo(1)));

            JsonNode change = Json.read(changes.await(r -> user.equals(r.key()), 1, WAIT).get(0).value(), JsonNode.class);
            assertThat(change.get("segmentId").asText()).isEqualTo(segment);
            assertThat(change.get("change").asText()).isEqualTo("entered");

            JsonNode trigger = Json.read(triggers.await(r -> user.equals(r.key()), 1, WAIT).get(0).value(), JsonNode.class);
            assertThat(trigger.get("kind").asText()).isEqualTo("segment.entered");
            assertThat(trigger.get("segmentId").asText()).isEqualTo(segment);
        }
    }

    /**
     * A visitor adds to the bag anonymously, with the page's stream open on the anonymous id; signs up (identify with
     * both ids) and adds once more as the user: the user is in the segment that needed both adds (an event of its own, so that
     * no other test's segment counts it), the open stream goes
     * on with the user's memberships without reconnecting, and the anonymous id's reads answer the user.
     */
    @Test
    void anAnonymousVisitorWhoSignsUpKeepsTheCartAndTheOpenStreamFollows() throws Exception {
        String anonymous = "e2e-anon-" + UUID.randomUUID();
        String user = "e2e-user-" + UUID.randomUUID();
        String segment = "bags-" + UUID.randomUUID().toString().substring(0, 8);
        given().baseUri(api.url()).header("Authorization", "Bearer system-admin-key").contentType(ContentType.JSON)
                .body("{\"name\":\"Cart lovers\",\"condition\":\"count(\\\"add_to_bag\\\") >= 2\"}")
                .when().put("/v1/segments/" + segment)
                .then().statusCode(201);
        track("{\"type\":\"track\",\"anonymousId\":\"" + anonymous + "\",\"event\":\"add_to_bag\"}");
        String token = given().baseUri(api.url()).header("Authorization", "Bearer system-admin-key").contentType(ContentType.JSON)
                .body("{\"userId\":\"" + anonymous + "\"}")
                .when().post("/v1/tokens")
                .then().statusCode(200).extract().path("token");
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(api.url() + "/v1/users/" + anonymous + "/segments/stream"))
                .header("Accept", "text/event-stream").header("Authorization", "Bearer " + token).build();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        var response = http.sendAsync(request, java.net.http.HttpResponse.BodyHandlers.ofLines()).get(30, java.util.concurrent.TimeUnit.SECONDS);
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                response.body().forEach(lines::add);
            } catch (RuntimeException closed) {
                // the test ends
            }
        });
        try {
            await().atMost(WAIT).until(() -> lines.contains("event:state") || lines.contains("event: state"));

            track("{\"batch\":["
                    + "{\"type\":\"identify\",\"userId\":\"" + user + "\",\"anonymousId\":\"" + anonymous + "\",\"traits\":{\"plan\":\"pro\"}},"
                    + "{\"type\":\"track\",\"userId\":\"" + user + "\",\"anonymousId\":\"" + anonymous + "\",\"event\":\"add_to_bag\"}]}");

            await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    given().baseUri(api.url()).header("Authorization", "Bearer " + token).when().get("/v1/users/" + anonymous + "/segments")
                            .then().statusCode(200)
                            .body("userId", equalTo(user))
                            .body("mergedFrom", equalTo(anonymous))
                            .body("segments.id", org.hamcrest.Matchers.contains(segment)));
            await().atMost(WAIT).untilAsserted(() -> assertThat(lines)
                    .as("the stream opened on the anonymous id, without reconnecting")
                    .anyMatch(line -> line.startsWith("data:") && line.contains(user) && line.contains(segment)));
            assertThat(reader.isAlive()).as("the stream is still the one opened first").isTrue();
        } finally {
            reader.interrupt();
            response.body().close();
        }
    }

    private static void track(String body) {
        given().baseUri(ingest.url()).auth().preemptive().basic("system-write-key", "").contentType(ContentType.JSON)
                .body(body)
                .when().post(body.startsWith("{\"batch\"") ? "/v1/batch" : "/v1/track")
                .then().statusCode(200).body("success", equalTo(true));
    }

    /**
     * segflow's own metrics (registered at startup, before any traffic) pass {@code promtool check metrics}:
     * names, units and help as Prometheus conventions want them (CI installs promtool; elsewhere the check is
     * skipped). The libraries' meters (JVM, Vert.x, Kafka and Redis clients) are theirs, see docs/operations.md.
     */
    @Test
    void segflowsMetricsFollowPrometheusConventions() throws Exception {
        Path promtool = PromTool.find();
        Assumptions.assumeTrue(promtool != null, "promtool is not installed");
        int checked = 0;
        for (FunctionProcess function : FUNCTIONS) {
            String metrics = given().baseUri(function.url()).when().get("/q/metrics").then().statusCode(200).extract().asString();
            String segflows = PromTool.familiesStartingWith(metrics, "segflow_");
            if (segflows.isEmpty()) {
                continue; // ingest and api measure with the libraries' HTTP and client meters
            }
            checked++;
            PromTool.Result result = PromTool.checkMetrics(promtool, segflows);
            assertThat(result.problems()).as("promtool check metrics on %s", function.url()).isEmpty();
            assertThat(result.exitCode()).as("promtool's exit code for %s: %s", function.url(), result.problems()).isZero();
        }
        assertThat(checked).as("functions exposing segflow_ metrics").isPositive();
    }

    /**
     * Series of one trigger each ({@code trigger} label): they can only appear with that trigger's first firing to count,
     * so the rules that read them also count a series new within their window whole ({@code x unless x offset 15m}).
     */
    private static final Set<String> PER_TRIGGER = Set.of("segflow_trigger_dead_total", "segflow_trigger_disabled_total");

    /**
     * Every segflow series the dashboard and the alert rules read is exported from the start, at 0: one that appears
     * with its first increments shows no data until then, and rate() and increase() never count those increments.
     */
    @Test
    void theSeriesTheDashboardAndRulesReadAreExportedBeforeAnyTraffic() throws Exception {
        Path root = FunctionProcess.root();
        String queried = Files.readString(root.resolve("infra/k8s/base/monitoring/dashboards/segflow.json"))
                + Files.readString(root.resolve("infra/prometheus/rules/segflow.rules.yml"));
        Matcher names = Pattern.compile("\\bsegflow_[a-z_]+").matcher(queried);
        Set<String> missing = new TreeSet<>();
        while (names.find()) {
            if (!PER_TRIGGER.contains(names.group())
                    && !Pattern.compile("(?m)^" + names.group() + "[{ ]").matcher(METRICS_AT_START).find()) {
                missing.add(names.group());
            }
        }
        assertThat(missing).isEmpty();
    }

    @Test
    void aFunctionWithoutItsKeysRefusesToStartAndSaysWhy() throws Exception {
        FunctionProcess keyless = FunctionProcess.start("api-function", "api-function-keyless", freePort(), Map.of("QUARKUS_REDIS_HOSTS", redis));
        try {
            assertThat(keyless.awaitExit(WAIT)).isNotZero();
            assertThat(keyless.logTail()).contains("segflow.admin-key");
        } finally {
            keyless.close();
        }
    }
}
