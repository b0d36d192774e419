package io.segflow.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.both;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.segflow.api.support.UserFixtures;
import io.segflow.core.Topics;
import io.segflow.core.engine.ProfileNeeds;
import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import io.segflow.core.history.PartitionHistory;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.Scoring;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.rules.RuleCompiler;
import io.segflow.core.state.Partitioning;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicReader;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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

    private void store(String user, Memberships memberships, Profile profile) {
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, memberships, profile);
        }
    }

    /** A profile built the way segment-function builds it, keeping what {@code conditions} read. */
    private static Profile profileOf(String user, List<Event> events, Scoring scoring, String... conditions) {
        RuleCompiler compiler = new RuleCompiler();
        ProfileNeeds needs = ProfileNeeds.of(Arrays.stream(conditions).map(c -> compiler.compile(c).reads()).toList());
        Profile profile = new Profile(user);
        events.forEach(event -> profile.apply(event, needs, scoring, System.currentTimeMillis()));
        return profile;
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
        // What would only fail when evaluated is refused here: an invalid regex, loops too big to evaluate.
        admin().body("{\"condition\":\"traits.email.matches(\\\"[a-z\\\")\"}").when().post("/v1/segments/validate")
                .then().statusCode(400).body("error", equalTo("invalid_condition"))
                .body("reason", org.hamcrest.Matchers.containsString("regular expression"));
        String digits = "[0,1,2,3,4,5,6,7,8,9]";
        admin().body("{\"condition\":\"" + digits + ".exists(a, " + digits + ".exists(b, " + digits + ".exists(c, "
                        + digits + ".exists(d, a + b + c + d == 40))))\"}").when().post("/v1/segments/validate")
                .then().statusCode(400).body("error", equalTo("invalid_condition"))
                .body("reason", org.hamcrest.Matchers.containsString("iterations"));
        given().contentType(ContentType.JSON).body("{\"condition\":\"true\"}").when().post("/v1/segments/validate").then().statusCode(401);
    }

    @Test
    void previewEvaluatesAgainstTheCurrentProfileAndShowsTheValuesRead() {
        String user = newId("preview");
        store(user, Memberships.NONE, Profile.ofCounts(user, Map.of("add_to_cart", 3L, "page", 9L), Map.of("plan", "pro")));
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
    void previewShowsLifetimeAndWindowedAggregatesAndMemberships() {
        String user = newId("preview");
        String lifetime = "sum(\"purchase\", \"revenue\") >= 30";
        String windowed = "max(\"purchase\", \"revenue\", \"1h\") >= 20";
        Instant now = Instant.now();
        Profile profile = profileOf(user, List.of(
                UserFixtures.track(user, "purchase", Map.of("revenue", 10), now.minusSeconds(7_200)),
                UserFixtures.track(user, "purchase", Map.of("revenue", 20), now.minusSeconds(60))), Scoring.NONE, lifetime, windowed);
        store(user, new Memberships(Map.of("vip", now), 1), profile);
        keptInPartitionOf(user, lifetime, windowed);

        admin().body(Map.of("userId", user, "condition", lifetime + " && inSegment(\"vip\")"))
                .when().post("/v1/segments/preview")
                .then().statusCode(200).body("matches", equalTo(true)).body("error", nullValue())
                .body("read.'aggregate(\"purchase\", \"revenue\")'.n", equalTo(2))
                .body("read.'aggregate(\"purchase\", \"revenue\")'.sum", equalTo(30.0f))
                .body("read.'inSegment(\"vip\")'", equalTo(true));
        // Only the purchase of the last hour is in the window.
        admin().body(Map.of("userId", user, "condition", windowed))
                .when().post("/v1/segments/preview")
                .then().statusCode(200).body("matches", equalTo(true))
                .body("read.'aggregate(\"purchase\", \"revenue\", \"1h\")'.n", equalTo(1))
                .body("read.'aggregate(\"purchase\", \"revenue\", \"1h\")'.max", equalTo(20.0f));
    }

    @Test
    void previewOfAPropertyNoSegmentKeepsSaysSoInsteadOfAnsweringFromNothing() {
        String user = newId("preview");
        String kept = "max(\"purchase\", \"revenue\", \"1h\") >= 20";
        Instant now = Instant.now();
        Profile profile = profileOf(user, List.of(
                UserFixtures.track(user, "purchase", Map.of("revenue", 10, "items", 1), now.minusSeconds(7_200)),
                UserFixtures.track(user, "purchase", Map.of("revenue", 20, "items", 2), now.minusSeconds(60))), Scoring.NONE, kept);
        store(user, Memberships.NONE, profile);
        keptInPartitionOf(user, kept);

        // The user bought 3 items, but no segment kept items: a saved segment would replay them first.
        admin().body(Map.of("userId", user, "condition", "sum(\"purchase\", \"items\") < 1"))
                .when().post("/v1/segments/preview")
                .then().statusCode(200).body("matches", equalTo(false))
                .body("error", org.hamcrest.Matchers.containsString("not kept"));
        // Kept, but only its max over an hour: its sum, or a longer window, is not.
        for (String condition : List.of("sum(\"purchase\", \"revenue\", \"1h\") < 1", "max(\"purchase\", \"revenue\", \"3h\") < 1")) {
            admin().body(Map.of("userId", user, "condition", condition))
                    .when().post("/v1/segments/preview")
                    .then().statusCode(200).body("matches", equalTo(false))
                    .body("error", org.hamcrest.Matchers.containsString("not kept"));
        }
        admin().body(Map.of("userId", user, "condition", kept))
                .when().post("/v1/segments/preview")
                .then().statusCode(200).body("matches", equalTo(true)).body("error", nullValue());
    }

    /** Records in the user's partition history that profiles keep what {@code conditions} read, as segment-function does. */
    private void keptInPartitionOf(String user, String... conditions) {
        RuleCompiler compiler = new RuleCompiler();
        ProfileNeeds needs = ProfileNeeds.of(Arrays.stream(conditions).map(c -> compiler.compile(c).reads()).toList());
        String history = PartitionHistory.NONE.withCatalog(1, needs.shapes()).history().encode();
        redis.hash(String.class).hset(RedisKeys.partitionState(Partitioning.partitionOf(user, UserFixtures.PARTITIONS)),
                RedisKeys.HISTORY_FIELD, history);
    }

    @Test
    void membersArePagedInEntryOrderAndCounted() {
        String segment = newId("paged");
        admin().body("{\"condition\":\"true\"}").when().put("/v1/segments/" + segment).then().statusCode(201);
        // Five members, two of them entering in the same millisecond, indexed under their partitions.
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            Map.of("u-a", 1000L, "u-b", 2000L, "u-c", 2000L, "u-d", 3000L, "u-e", 4000L)
                    .forEach((user, since) -> fixtures.index(segment, user, since));
        }
        assertThat(Stream.of("u-a", "u-b", "u-c", "u-d", "u-e").map(u -> Partitioning.partitionOf(u, UserFixtures.PARTITIONS)).distinct())
                .as("the members' partitions: the pages merge several").hasSizeGreaterThan(1);

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
    void profileShowsTraitsCountsAggregatesSeenTimesScoreAndMemberships() {
        String user = newId("profile");
        Instant first = Instant.ofEpochMilli(1795600000000L);
        Instant now = Instant.now();
        Profile profile = profileOf(user, List.of(
                UserFixtures.track(user, "add_to_cart", Map.of(), first),
                UserFixtures.identify(user, Map.of("plan", "pro", "seats", 5), first.plusSeconds(1)),
                UserFixtures.track(user, "add_to_cart", Map.of(), now.minusSeconds(60)),
                UserFixtures.track(user, "purchase", Map.of("revenue", 10), now),
                UserFixtures.track(user, "purchase", Map.of("revenue", 20), now)),
                new Scoring(Duration.ofDays(7), Map.of("purchase", 4.0)), "sum(\"purchase\", \"revenue\") > 0 && score > 0");
        store(user, new Memberships(Map.of("carts", first), 1), profile);
        keptInPartitionOf(user, "sum(\"purchase\", \"revenue\") > 0 && score > 0");

        admin().when().get("/v1/users/" + user + "/profile")
                .then().statusCode(200)
                .body("traits.plan", equalTo("pro")).body("traits.seats", equalTo(5))
                .body("counts.add_to_cart", equalTo(2)).body("counts.purchase", equalTo(2)).body("counts.identify", equalTo(1))
                .body("aggregates.'purchase.revenue'.n", equalTo(2))
                .body("aggregates.'purchase.revenue'.sum", equalTo(30.0f))
                .body("aggregates.'purchase.revenue'.max", equalTo(20.0f))
                .body("score", both(greaterThan(7.0f)).and(lessThanOrEqualTo(8.0f)))
                .body("firstSeen", equalTo("2026-11-25T09:46:40Z"))
                .body("lastSeenByEvent.add_to_cart", equalTo(Instant.ofEpochMilli(now.minusSeconds(60).toEpochMilli()).toString()))
                .body("segments.id", contains("carts")).body("version", equalTo(1));
        given().when().get("/v1/users/" + user + "/profile").then().statusCode(401);

        // The segment that read revenue is gone: the stored values are no longer kept up to date, so not shown.
        keptInPartitionOf(user);
        admin().when().get("/v1/users/" + user + "/profile")
                .then().statusCode(200).body("counts.purchase", equalTo(2)).body("aggregates.size()", equalTo(0));
    }

    @Test
    void anUnknownUsersProfileIsEmpty() {
        admin().when().get("/v1/users/" + newId("nobody") + "/profile")
                .then().statusCode(200).body("counts.size()", equalTo(0)).body("segments", empty())
                .body("version", equalTo(0)).body("firstSeen", nullValue());
    }

    @Test
    void erasureIsQueuedOnTheEventsTopicKeyedByTheUserAndAnswersWhatItErases() {
        String user = newId("erase");
        store(user, new Memberships(Map.of("vip", Instant.ofEpochMilli(2000), "carts", Instant.ofEpochMilli(1000)), 4, 9),
                Profile.ofCounts(user, Map.of("add_to_cart", 2L), Map.of("plan", "pro")));

        try (TopicReader events = new TopicReader(TestServices.kafkaBootstrapServers(), Topics.EVENTS)) {
            admin().when().delete("/v1/users/" + user)
                    .then().statusCode(202).body("userId", equalTo(user))
                    .body("exitedSegments", contains("carts", "vip")).body("status", equalTo("accepted"));

            List<ConsumerRecord<String, String>> requests = events.await(r -> user.equals(r.key()), 1, Duration.ofSeconds(30));
            assertThat(requests).hasSize(1);
            Event request = EventRecords.read(requests.get(0).value());
            assertThat(request.isErasure()).isTrue();
            assertThat(request.userId()).isEqualTo(user);
            assertThat(request.messageId()).isNotBlank();
            assertThat(request.receivedAt()).isNotNull();
        }
        // segment-function erases, in order with the user's events; the api itself deletes nothing.
        admin().when().get("/v1/users/" + user + "/profile").then().statusCode(200)
                .body("segments.id", contains("carts", "vip")).body("counts.add_to_cart", equalTo(2));
    }

    @Test
    void erasingAUserWithoutStateStillQueuesTheRequest() {
        // Its events may still be on their way to segment-function: the request must follow them.
        String user = newId("erase-unknown");
        try (TopicReader events = new TopicReader(TestServices.kafkaBootstrapServers(), Topics.EVENTS)) {
            admin().when().delete("/v1/users/" + user)
                    .then().statusCode(202).body("exitedSegments", empty()).body("status", equalTo("accepted"));
            Event request = EventRecords.read(events.await(r -> user.equals(r.key()), 1, Duration.ofSeconds(30)).get(0).value());
            assertThat(request.isErasure()).isTrue();
        }
        admin().when().delete("/v1/users/" + "u".repeat(300)).then().statusCode(400).body("field", equalTo("userId"));
        given().when().delete("/v1/users/" + user).then().statusCode(401);
    }

    @Test
    void openApiAndSwaggerUiAreServed() {
        given().when().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.keySet()", hasItem("/v1/users/{userId}/segments"))
                .body("paths.keySet()", hasItem("/v1/tokens"));
        given().when().get("/q/swagger-ui/").then().statusCode(200);
    }

    @Test
    void openApiDescribesTheBodiesAndAnswersOfSegmentAndTriggerWrites() {
        // A marketer's client is generated from this document: a body typed "binary" or a 201 left out misleads it.
        given().when().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.'/v1/segments/{id}'.put.requestBody.content.'application/json'.schema.$ref",
                        equalTo("#/components/schemas/SegmentInput"))
                .body("components.schemas.SegmentInput.required", contains("condition"))
                .body("components.schemas.SegmentInput.properties.keySet()", hasItems("name", "condition", "enabled"))
                .body("paths.'/v1/segments/{id}'.put.responses.keySet()", hasItems("200", "201", "400"))
                .body("paths.'/v1/segments/{id}'.put.responses.'400'.content.'application/json'.schema.$ref",
                        equalTo("#/components/schemas/ConditionError"))
                .body("paths.'/v1/segments/{id}'.delete.responses.keySet()", hasItems("204", "404"))
                .body("paths.'/v1/segments/validate'.post.requestBody.content.'application/json'.schema.$ref",
                        equalTo("#/components/schemas/ConditionInput"))
                .body("paths.'/v1/segments/preview'.post.requestBody.content.'application/json'.schema.$ref",
                        equalTo("#/components/schemas/PreviewInput"))
                .body("components.schemas.PreviewInput.required", containsInAnyOrder("condition", "userId"))
                .body("paths.'/v1/triggers/{id}'.put.requestBody.content.'application/json'.examples.keySet()", hasItem("cart-reminder"))
                .body("paths.'/v1/triggers/{id}'.put.responses.keySet()", hasItems("200", "201", "400"))
                .body("paths.'/v1/triggers/{id}'.delete.responses.keySet()", hasItems("204", "404"));
    }

    @Test
    void openApiDescribesTheOtherCallsAndTheirErrorAnswers() {
        // Each 4xx and 5xx answer points to the one error schema, with the headers that come with it.
        String errorBody = "#/components/schemas/ErrorBody";
        given().when().get("/q/openapi?format=json").then().statusCode(200)
                .body("components.schemas.ErrorBody.required", containsInAnyOrder("success", "error", "field", "reason"))
                .body("paths.'/v1/tokens'.post.requestBody.content.'application/json'.schema.$ref",
                        equalTo("#/components/schemas/TokenRequest"))
                .body("components.schemas.TokenRequest.required", contains("userId"))
                .body("components.schemas.TokenRequest.properties.segments.maxItems", equalTo(100))
                .body("paths.'/v1/tokens'.post.responses.'400'.content.'application/json'.schema.$ref", equalTo(errorBody))
                .body("paths.'/v1/users/{userId}/segments'.get.responses.'304'.headers.keySet()", hasItem("ETag"))
                .body("paths.'/v1/users/{userId}/segments'.get.responses.'503'.headers.keySet()", hasItem("Retry-After"))
                .body("paths.'/v1/users/{userId}/segments'.get.responses.'503'.content.'application/json'.schema.$ref", equalTo(errorBody))
                .body("paths.'/v1/users/{userId}/segments'.get.responses.'401'.headers.keySet()", hasItem("WWW-Authenticate"))
                .body("paths.'/v1/users/{userId}/segments/stream'.get.responses.'200'.content.keySet()", contains("text/event-stream"))
                .body("paths.'/v1/users/{userId}/segments/ws'.get.responses.keySet()", hasItems("101", "401"))
                .body("paths.'/v1/segments/{id}'.delete.responses.'404'.content.'application/json'.schema.$ref", equalTo(errorBody))
                .body("paths.'/v1/segments/{id}'.get.responses.'403'.content.'application/json'.schema.$ref", equalTo(errorBody))
                // The class-wide 401/403/503 must not take the place of a list's 200.
                .body("paths.'/v1/segments'.get.responses.'200'.content.'application/json'.schema.$ref",
                        equalTo("#/components/schemas/SegmentList"))
                .body("paths.'/v1/triggers'.get.responses.keySet()", hasItem("200"));
    }

    @Test
    void unknownPathsAndMethodsAnswerJson() {
        given().when().get("/v1/nothing-here").then().statusCode(404).body("error", equalTo("not_found"));
        admin().body("{}").when().patch("/v1/segments/x").then().statusCode(405).body("error", equalTo("method_not_allowed"));
        admin().body("{").when().post("/v1/segments/preview").then().statusCode(400).body("field", equalTo("$"));
    }

    @Test
    void contentAfterTheJsonBodyIsRefusedNotDropped() {
        String segment = newId("trailing");
        // Two objects (a client that concatenated bodies): the second would have been dropped without a word.
        admin().body("{\"condition\":\"true\"} {\"condition\":\"false\"}").when().put("/v1/segments/" + segment)
                .then().statusCode(400).body("error", equalTo("malformed_json")).body("field", equalTo("$"))
                .body("reason", org.hamcrest.Matchers.containsString("malformed JSON"));
        admin().when().get("/v1/segments/" + segment).then().statusCode(404);
        admin().body("{\"userId\":\"u1\"}]").when().post("/v1/tokens").then().statusCode(400).body("field", equalTo("$"));
        admin().body("{\"condition\":\"true\"}x").when().post("/v1/segments/validate").then().statusCode(400).body("field", equalTo("$"));
        // Whitespace after the body is no content.
        admin().body("{\"condition\":\"true\"}\n\t ").when().post("/v1/segments/validate").then().statusCode(200);
    }

    @Test
    void theDemoSessionMintsTokensForDemoVisitorsOnly() {
        String visitor = given().when().get("/demo/session").then().statusCode(200)
                .body("ingestUrl", equalTo("http://localhost:8081")).extract().path("userId");
        assertThat(visitor).startsWith("demo-");
        given().queryParam("userId", "real-customer").when().get("/demo/session").then().statusCode(400).body("field", equalTo("userId"));
        admin().when().get("/v1/segments").then().body("segments.id", hasItems("browsing-a-lot", "cart-abandoner"));
        admin().when().get("/v1/segments").then().body("segments.size()", org.hamcrest.Matchers.greaterThanOrEqualTo(2));
    }
}
