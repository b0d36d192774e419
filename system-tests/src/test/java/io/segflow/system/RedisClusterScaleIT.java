package io.segflow.system;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.restassured.http.ContentType;
import io.segflow.core.Topics;
import io.segflow.core.membership.SegmentChange;
import io.segflow.testkit.EmbeddedKafka;
import io.segflow.testkit.RedisCluster;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The four packaged functions on a Redis Cluster of three masters, each with {@code SEGFLOW_REDIS_HOSTS} and
 * {@code SEGFLOW_REDIS_CLIENT_TYPE=cluster}: segments saved (MULTI), events through ingest, memberships stored by the
 * engine's per-master pipelines, read back by the api, member indexes, a backfill, change and trigger records — and
 * not one command refused for keys of several slots, with state on every master.
 */
class RedisClusterScaleIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String ADMIN = "Bearer scale-admin-key";
    private static final int USERS = 40;

    private static ClusterStack stack;
    private static EmbeddedKafka kafka;
    private static RedisCluster cluster;
    private static FunctionProcess ingest;
    private static FunctionProcess api;

    @BeforeAll
    static void startStack() throws Exception {
        stack = ClusterStack.start("cluster", 3, 0);
        kafka = stack.kafka;
        cluster = stack.cluster;
        ingest = stack.start("ingest-function", Map.of("SEGFLOW_WRITE_KEYS", "web:scale-write-key"));
        stack.start("segment-function", Map.of());
        stack.start("trigger-function", Map.of());
        api = stack.start("api-function", Map.of("SEGFLOW_ADMIN_KEY", "scale-admin-key",
                "SEGFLOW_TOKENS_SECRET", FaultStack.TOKENS_SECRET, "SEGFLOW_TOKENS_REQUIRED", "false"));
        stack.awaitAllReady(WAIT);
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void theWholePathRunsOnThreeMastersWithoutOneCrossSlotCommand() throws Exception {
        defineSegment("carts", "count(\"add_to_cart\") >= 2");
        defineSegment("pros", "\"plan\" in traits && traits.plan == \"pro\"");
        List<String> users = IntStream.range(0, USERS).mapToObj(i -> "cluster-user-" + i).toList();
        Map<String, Set<String>> expected = new HashMap<>();
        StringBuilder batch = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < USERS; i++) {
            String user = users.get(i);
            Set<String> segments = new HashSet<>();
            int carts = 1 + i % 2;
            for (int c = 0; c < carts; c++) {
                batch.append("{\"type\":\"track\",\"userId\":\"").append(user).append("\",\"event\":\"add_to_cart\"},");
            }
            if (carts == 2) {
                segments.add("carts");
            }
            if (i % 3 == 0) {
                batch.append("{\"type\":\"identify\",\"userId\":\"").append(user).append("\",\"traits\":{\"plan\":\"pro\"}},");
                segments.add("pros");
            }
            expected.put(user, segments);
        }
        batch.setLength(batch.length() - 1);
        batch.append("]}");
        given().baseUri(ingest.url()).auth().preemptive().basic("scale-write-key", "").contentType(ContentType.JSON)
                .body(batch.toString()).when().post("/v1/batch").then().statusCode(200);

        await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            for (String user : users) {
                assertThat(segmentsOf(user)).as("segments of %s", user).isEqualTo(expected.get(user));
            }
        });
        // Saved after the events: the owners backfill it from the user registries (SSCAN) of their partitions.
        defineSegment("pro-carts", "inSegment(\"carts\") && inSegment(\"pros\")");
        Set<String> proCarts = users.stream().filter(u -> expected.get(u).containsAll(Set.of("carts", "pros"))).collect(Collectors.toSet());
        expected.forEach((user, segments) -> {
            if (proCarts.contains(user)) {
                segments.add("pro-carts");
            }
        });
        await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            assertThat(members("pro-carts")).isEqualTo(proCarts);
            assertThat(members("carts")).isEqualTo(users.stream().filter(u -> expected.get(u).contains("carts")).collect(Collectors.toSet()));
        });

        await().atMost(WAIT).untilAsserted(() -> {
            Map<String, List<SegmentChange>> changes = ChangeLog.read(kafka.bootstrapServers(), users::contains);
            for (String user : users) {
                List<SegmentChange> history = changes.getOrDefault(user, List.of());
                assertThat(history.stream().map(SegmentChange::version).distinct().toList()).as("versions of %s", user)
                        .isEqualTo(LongStream.rangeClosed(1, expected.get(user).size()).boxed().toList());
                assertThat(history.stream().map(SegmentChange::segmentId).collect(Collectors.toSet())).isEqualTo(expected.get(user));
            }
        });
        int entries = expected.values().stream().mapToInt(Set::size).sum();
        await().atMost(WAIT).untilAsserted(() -> assertThat(ChangeLog.read(kafka.bootstrapServers(), Topics.TRIGGERS, users::contains,
                value -> value).values().stream().mapToInt(List::size).sum()).isGreaterThanOrEqualTo(entries));

        assertThat(cluster.errorReplies("CROSSSLOT")).as("CROSSSLOT replies of the cluster").isZero();
        assertThat(cluster.keysPerMaster().values()).as("keys per master").allMatch(keys -> keys > 0);
        for (FunctionProcess function : stack.functions) {
            assertThat(Files.readString(function.log())).as("log of %s", function.url()).doesNotContain("CROSSSLOT");
        }
    }

    private static void defineSegment(String id, String condition) {
        given().baseUri(api.url()).header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("name", id, "condition", condition))
                .when().put("/v1/segments/" + id).then().statusCode(201);
    }

    private static Set<String> segmentsOf(String user) {
        List<String> ids = given().baseUri(api.url()).when().get("/v1/users/" + user + "/segments")
                .then().statusCode(200).extract().jsonPath().getList("segments.id", String.class);
        return new HashSet<>(ids);
    }

    private static Set<String> members(String segment) {
        List<String> ids = given().baseUri(api.url()).header("Authorization", ADMIN)
                .when().get("/v1/segments/" + segment + "/members?limit=1000")
                .then().statusCode(200).extract().jsonPath().getList("members.userId", String.class);
        return new HashSet<>(ids);
    }
}
