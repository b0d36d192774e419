package io.segflow.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.profile.ProfileFields;
import io.segflow.core.redis.RedisKeys;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicReader;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class AdminApiTest {

    @Inject
    RedisDataSource redis;

    private static RequestSpecification admin() {
        return given().header("Authorization", "Bearer dev-admin-key").contentType(ContentType.JSON);
    }

    private static String newId(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private void profile(String user, Map<String, Long> counts, Map<String, String> traitsJson) {
        counts.forEach((event, count) -> redis.hash(String.class).hset(RedisKeys.profile(user), ProfileFields.count(event), count.toString()));
        if (!traitsJson.isEmpty()) {
            redis.hash(String.class).hset(RedisKeys.traits(user), traitsJson);
        }
    }

    @Test
    void validateSaysWhatAConditionReadsWithoutSavingIt() {
        admin().body("{\"condition\":\"count(\\\"add_to_cart\\\") >= 2 && traits.plan == \\\"pro\\\"\"}")
                .when().post("/v1/segments/validate")
                .then().statusCode(200).body("valid", equalTo(true))
                .body("reads.lifetimeCounts", contains("add_to_cart")).body("reads.traits", equalTo(true));
        admin().body("{\"condition\":\"count(\\\"a\\\") >= \"}").when().post("/v1/segments/validate")
                .then().statusCode(400).body("error", equalTo("invalid_condition")).body("field", equalTo("condition"))
                .body("line", equalTo(1));
        admin().body("{}").when().post("/v1/segments/validate").then().statusCode(400).body("field", equalTo("condition"));
        given().contentType(ContentType.JSON).body("{\"condition\":\"true\"}").when().post("/v1/segments/validate").then().statusCode(401);
    }

    @Test
    void previewEvaluatesAgainstTheCurrentProfileAndShowsTheValuesRead() {
        String user = newId("preview");
        profile(user, Map.of("add_to_cart", 3L, "page", 9L), Map.of("plan", "\"pro\""));
        admin().body("{\"userId\":\"" + user + "\",\"condition\":\"count(\\\"add_to_cart\\\") >= 2 && traits.plan == \\\"pro\\\"\"}")
                .when().post("/v1/segments/preview")
                .then().statusCode(200).body("matches", equalTo(true)).body("error", nullValue())
                .body("read.'count(\"add_to_cart\")'", equalTo(3))
                .body("read.traits.plan", equalTo("pro"));
        admin().body("{\"userId\":\"" + user + "\",\"condition\":\"count(\\\"checkout\\\") >= 1\"}")
                .when().post("/v1/segments/preview")
                .then().statusCode(200).body("matches", equalTo(false)).body("read.'count(\"checkout\")'", equalTo(0));
        // A trait the user lacks: CEL's error is the answer, and the condition counts as false.
        admin().body("{\"userId\":\"" + user + "\",\"condition\":\"traits.age > 30\"}")
                .when().post("/v1/segments/preview")
                .then().statusCode(200).body("matches", equalTo(false)).body("error", org.hamcrest.Matchers.notNullValue());
        admin().body("{\"condition\":\"true\"}").when().post("/v1/segments/preview").then().statusCode(400).body("field", equalTo("userId"));
        admin().body("{\"userId\":\"u\",\"condition\":\"nosuch(\"}").when().post("/v1/segments/preview")
                .then().statusCode(400).body("error", equalTo("invalid_condition"));
    }

    @Test
    void membersArePagedInEntryOrderAndCounted() {
        String segment = newId("paged");
        admin().body("{\"condition\":\"true\"}").when().put("/v1/segments/" + segment).then().statusCode(201);
        // Five members, two of them entering in the same millisecond.
        redis.sortedSet(String.class).zadd(RedisKeys.segmentMembers(segment),
                Map.of("u-a", 1000.0, "u-b", 2000.0, "u-c", 2000.0, "u-d", 3000.0, "u-e", 4000.0));

        admin().when().get("/v1/segments/" + segment).then().statusCode(200).body("memberCount", equalTo(5));
        admin().when().get("/v1/segments").then().body("segments.find { it.id == '" + segment + "' }.memberCount", equalTo(5));

        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            RequestSpecification request = admin().queryParam("limit", 2);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            var page = request.when().get("/v1/segments/" + segment + "/members").then().statusCode(200)
                    .body("count", equalTo(5)).extract().jsonPath();
            seen.addAll(page.getList("members.userId"));
            cursor = page.getString("nextCursor");
            pages++;
        } while (cursor != null);
        assertThat(seen).containsExactly("u-a", "u-b", "u-c", "u-d", "u-e");
        assertThat(pages).isEqualTo(3);

        admin().queryParam("limit", 1).when().get("/v1/segments/" + segment + "/members")
                .then().body("members[0].since", equalTo("1970-01-01T00:00:01Z"));
        admin().queryParam("limit", 0).when().get("/v1/segments/" + segment + "/members").then().statusCode(400).body("field", equalTo("limit"));
        admin().queryParam("limit", "many").when().get("/v1/segments/" + segment + "/members").then().statusCode(400).body("field", equalTo("limit"));
        admin().queryParam("cursor", "!!").when().get("/v1/segments/" + segment + "/members").then().statusCode(400).body("field", equalTo("cursor"));
        admin().when().get("/v1/segments/" + newId("none") + "/members").then().statusCode(404).body("field", equalTo("id"));
        given().when().get("/v1/segments/" + segment + "/members").then().statusCode(401);
    }

    @Test
    void profileShowsTraitsCountsAndMemberships() {
        String user = newId("profile");
        profile(user, Map.of("add_to_cart", 2L), Map.of("plan", "\"pro\"", "seats", "5"));
        redis.hash(String.class).hset(RedisKeys.members(user), Map.of("carts", "1795600000000", RedisKeys.VERSION_FIELD, "1"));
        long now = System.currentTimeMillis();
        redis.hash(String.class).hset(RedisKeys.profile(user), Map.of(
                ProfileFields.aggregate("purchase", "revenue"), "2 30.0 10.0 20.0",
                ProfileFields.SCORE, "8.0 " + now,
                ProfileFields.FIRST_SEEN, "1795600000000", ProfileFields.LAST_SEEN, Long.toString(now)));
        admin().when().get("/v1/users/" + user + "/profile")
                .then().statusCode(200)
                .body("traits.plan", equalTo("pro")).body("traits.seats", equalTo(5))
                .body("counts.add_to_cart", equalTo(2))
                .body("aggregates.'purchase.revenue'.sum", equalTo(30.0f))
                .body("aggregates.'purchase.revenue'.max", equalTo(20.0f))
                .body("score", org.hamcrest.Matchers.both(org.hamcrest.Matchers.greaterThan(7.0f)).and(org.hamcrest.Matchers.lessThanOrEqualTo(8.0f)))
                .body("firstSeen", equalTo("2026-11-25T09:46:40Z"))
                .body("segments.id", contains("carts")).body("version", equalTo(1));
        given().when().get("/v1/users/" + user + "/profile").then().statusCode(401);
    }

    @Test
    void erasureRemovesEverythingOfTheUserAndPublishesTheExits() {
        String user = newId("erase");
        String neighbour = user + "x"; // shares the prefix: must not be touched
        profile(user, Map.of("add_to_cart", 2L), Map.of("plan", "\"pro\""));
        redis.hash(String.class).hset(RedisKeys.members(user), Map.of("carts", "1000", "vip", "2000", RedisKeys.VERSION_FIELD, "4",
                RedisKeys.CATALOG_FIELD, "9"));
        redis.set(String.class).sadd(RedisKeys.users(RedisKeys.userShard(user)), user);
        redis.set(String.class).sadd(RedisKeys.users(RedisKeys.userShard(neighbour)), neighbour);
        redis.value(String.class).set(RedisKeys.seen(user, "m1"), "1");
        redis.value(String.class).set(RedisKeys.seen(user, "m2"), "1");
        redis.value(String.class).set(RedisKeys.seen(neighbour, "m1"), "1");
        redis.list(String.class).rpush(RedisKeys.outbox(user), "{\"version\":5}");
        redis.value(String.class).set(RedisKeys.outboxLease(user), "a-drainer");
        redis.value(String.class).set(RedisKeys.outboxSending(user), "1 segment-function-x-1");
        redis.sortedSet(String.class).zadd(RedisKeys.schedule(RedisKeys.scheduleShard(user)), 1000.0, user);
        redis.sortedSet(String.class).zadd(RedisKeys.segmentMembers("carts"), Map.of(user, 1000.0, neighbour, 1000.0));
        redis.sortedSet(String.class).zadd(RedisKeys.segmentMembers("vip"), 2000.0, user);

        try (TopicReader changes = new TopicReader(TestServices.kafkaBootstrapServers(), Topics.SEGMENT_CHANGES)) {
            admin().when().delete("/v1/users/" + user)
                    .then().statusCode(200).body("exitedSegments", contains("carts", "vip"));

            assertThat(redis.key().exists(RedisKeys.profile(user))).isFalse();
            assertThat(redis.key().exists(RedisKeys.traits(user))).isFalse();
            assertThat(redis.key().exists(RedisKeys.members(user))).isFalse();
            assertThat(redis.key().exists(RedisKeys.seen(user, "m1"))).isFalse();
            assertThat(redis.key().exists(RedisKeys.seen(user, "m2"))).isFalse();
            assertThat(redis.key().exists(RedisKeys.seen(neighbour, "m1"))).isTrue();
            assertThat(redis.key().exists(RedisKeys.outbox(user), RedisKeys.outboxLease(user), RedisKeys.outboxSending(user)))
                    .isZero();
            assertThat(redis.sortedSet(String.class).zscore(RedisKeys.schedule(RedisKeys.scheduleShard(user)), user)).isEmpty();
            assertThat(redis.sortedSet(String.class).zscore(RedisKeys.segmentMembers("carts"), user)).isEmpty();
            assertThat(redis.sortedSet(String.class).zscore(RedisKeys.segmentMembers("vip"), user)).isEmpty();
            assertThat(redis.sortedSet(String.class).zscore(RedisKeys.segmentMembers("carts"), neighbour)).isPresent();
            assertThat(redis.set(String.class).sismember(RedisKeys.users(RedisKeys.userShard(user)), user)).isFalse();
            assertThat(redis.set(String.class).sismember(RedisKeys.users(RedisKeys.userShard(neighbour)), neighbour)).isTrue();

            List<JsonNode> exits = changes.await(r -> user.equals(r.key()), 2, Duration.ofSeconds(30)).stream()
                    .map(r -> Json.read(r.value(), JsonNode.class)).toList();
            assertThat(exits).extracting(e -> e.get("segmentId").asText()).containsExactly("carts", "vip");
            assertThat(exits).extracting(e -> e.get("change").asText()).containsOnly("exited");
            assertThat(exits).extracting(e -> e.get("version").asLong()).containsExactly(5L, 6L);
            assertThat(exits).extracting(e -> e.get("cause").asText()).containsOnly("erasure");
        }
        admin().when().get("/v1/users/" + user + "/profile").then().statusCode(200)
                .body("segments", empty()).body("counts.size()", equalTo(0));
    }

    @Test
    void openApiAndSwaggerUiAreServed() {
        given().when().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.keySet()", hasItem("/v1/users/{userId}/segments"))
                .body("paths.keySet()", hasItem("/v1/tokens"));
        given().when().get("/q/swagger-ui/").then().statusCode(200);
    }

    @Test
    void unknownPathsAndMethodsAnswerJson() {
        given().when().get("/v1/nothing-here").then().statusCode(404);
        admin().body("{}").when().patch("/v1/segments/x").then().statusCode(405).body("error", equalTo("invalid_request"));
        admin().body("{").when().post("/v1/segments/preview").then().statusCode(400).body("field", equalTo("$"));
    }

    @Test
    void theDemoSessionMintsTokensForDemoVisitorsOnly() {
        String visitor = given().when().get("/demo/session").then().statusCode(200)
                .body("ingestUrl", equalTo("http://localhost:8081")).extract().path("userId");
        assertThat(visitor).startsWith("demo-");
        given().queryParam("userId", "real-customer").when().get("/demo/session").then().statusCode(400).body("field", equalTo("userId"));
        admin().when().get("/v1/segments").then().body("segments.id", org.hamcrest.Matchers.hasItems("browsing-a-lot", "cart-abandoner"));
        admin().when().get("/v1/segments").then().body("segments.size()", org.hamcrest.Matchers.greaterThanOrEqualTo(2));
    }
}
