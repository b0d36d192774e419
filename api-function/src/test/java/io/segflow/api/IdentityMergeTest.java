package io.segflow.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.segflow.api.support.TestTokens;
import io.segflow.api.support.UserFixtures;
import io.segflow.core.identity.Identity;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Reads of an id merged into another user (an anonymousId after an identify): the record of the id is a forward, and
 * every read answers the user it leads to, naming it.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class IdentityMergeTest {
    private static final Instant SINCE = Instant.ofEpochMilli(1795600000000L);

    @Inject
    RedisDataSource redis;

    private static RequestSpecification as(String user) {
        return given().header("Authorization", "Bearer " + TestTokens.forUser(user));
    }

    private static RequestSpecification admin() {
        return given().header("Authorization", "Bearer dev-admin-key").contentType(ContentType.JSON);
    }

    @Test
    void aMergedIdAnswersTheSegmentsOfTheUserItWasMergedIntoWithAnotherETag() {
        String anonymous = "anon-" + UUID.randomUUID();
        String user = "user " + UUID.randomUUID(); // a space: the ETag carries the id URI-encoded
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(anonymous, Map.of("browsing", SINCE), 2);
            as(anonymous).when().get("/v1/users/" + anonymous + "/segments")
                    .then().statusCode(200).header("ETag", "\"v2.c2809a2e\"").body("userId", equalTo(anonymous))
                    .body("$", not(org.hamcrest.Matchers.hasKey("mergedFrom")));

            // The same version as the anonymous id had: only the user in the ETag tells the answers apart.
            fixtures.store(user, Map.of("vip", SINCE), 2);
            fixtures.merge(anonymous, user);
        }
        String etag = "\"v2.bec09dce@" + user.replace(" ", "%20") + "\"";
        as(anonymous).header("If-None-Match", "\"v2\"").when().get("/v1/users/" + anonymous + "/segments")
                .then().statusCode(200)
                .header("ETag", etag)
                .body("userId", equalTo(user))
                .body("mergedFrom", equalTo(anonymous))
                .body("segments.id", contains("vip"))
                .body("version", equalTo(2));
        as(anonymous).header("If-None-Match", etag).when().get("/v1/users/" + anonymous + "/segments")
                .then().statusCode(304).header("ETag", etag);
        // The user's own reads are unchanged.
        as(user).when().get("/v1/users/" + user + "/segments")
                .then().statusCode(200).header("ETag", "\"v2.bec09dce\"").body("userId", equalTo(user)).body("mergedFrom", nullValue());
        // A token for the merged id reads through it, with its allow-list; not the user's own URL.
        given().queryParam("access_token", TestTokens.forUser(anonymous, java.util.List.of("carts")))
                .when().get("/v1/users/" + anonymous + "/segments")
                .then().statusCode(200).body("userId", equalTo(user)).body("segments", empty());
        as(anonymous).when().get("/v1/users/" + user + "/segments").then().statusCode(403);
    }

    @Test
    void theProfileListsTheMergedIdsAndAMergedIdAnswersTheUsersProfile() {
        String anonymous = "anon-" + UUID.randomUUID();
        String earlier = "anon-" + UUID.randomUUID();
        String user = "user-" + UUID.randomUUID();
        Identity identity = new Identity();
        identity.markKnown();
        identity.merged(anonymous);
        identity.merged(earlier);
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, new Memberships(Map.of("vip", SINCE), 5), identity,
                    Profile.ofCounts(user, Map.of("purchase", 3L), Map.of("plan", "pro")));
            fixtures.forward(anonymous, 4, user);
        }
        String[] merged = java.util.stream.Stream.of(anonymous, earlier).sorted().toArray(String[]::new);
        admin().when().get("/v1/users/" + user + "/profile")
                .then().statusCode(200)
                .body("userId", equalTo(user))
                .body("mergedFrom", nullValue())
                .body("mergedIds", contains(merged))
                .body("counts.purchase", equalTo(3))
                .body("version", equalTo(5));
        admin().when().get("/v1/users/" + anonymous + "/profile")
                .then().statusCode(200)
                .body("userId", equalTo(user))
                .body("mergedFrom", equalTo(anonymous))
                .body("mergedIds", contains(merged))
                .body("traits.plan", equalTo("pro"))
                .body("segments.id", contains("vip"))
                .body("version", equalTo(5));
        // A user without links lists none.
        admin().when().get("/v1/users/nobody-" + UUID.randomUUID() + "/profile")
                .then().statusCode(200).body("mergedIds", empty());
        // A preview evaluates the user the id leads to.
        admin().body(Map.of("userId", anonymous, "condition", "count(\"purchase\") >= 3"))
                .when().post("/v1/segments/preview")
                .then().statusCode(200).body("userId", equalTo(user)).body("mergedFrom", equalTo(anonymous))
                .body("matches", equalTo(true));
    }

    @Test
    void forwardsAreFollowedUpToFiveThenTheAnswerIsAConflict() {
        String prefix = "chain-" + UUID.randomUUID() + "-";
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            for (int i = 0; i < 6; i++) {
                fixtures.forward(prefix + i, 1, prefix + (i + 1));
            }
            fixtures.store(prefix + 6, Map.of("vip", SINCE), 9);
            String loop = "loop-" + UUID.randomUUID();
            fixtures.forward(loop + "a", 1, loop + "b");
            fixtures.forward(loop + "b", 1, loop + "a");

            // 1 -> 2 -> ... -> 6: five forwards.
            as(prefix + 1).when().get("/v1/users/" + prefix + 1 + "/segments")
                    .then().statusCode(200).body("userId", equalTo(prefix + 6)).body("mergedFrom", equalTo(prefix + 1))
                    .body("segments.id", contains("vip"));
            // 0 -> ... -> 6: six.
            as(prefix + 0).when().get("/v1/users/" + prefix + 0 + "/segments")
                    .then().statusCode(409).body("error", equalTo("merge_chain_too_long")).body("field", equalTo("userId"));
            admin().when().get("/v1/users/" + loop + "a/profile").then().statusCode(409)
                    .body("error", equalTo("merge_chain_too_long"));
        }
    }

    @Test
    void erasingAMergedIdErasesOnlyItsForward() {
        String anonymous = "anon-" + UUID.randomUUID();
        String user = "user-" + UUID.randomUUID();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", SINCE), 3);
            fixtures.forward(anonymous, 2, user);
        }
        admin().when().delete("/v1/users/" + anonymous)
                .then().statusCode(202).body("userId", equalTo(anonymous)).body("exitedSegments", empty());
    }
}
