package io.segflow.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.api.support.TestTokens;
import io.segflow.api.support.UserFixtures;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class MembershipsResourceTest {

    @Inject
    RedisDataSource redis;

    private static String newUser() {
        return "user-" + UUID.randomUUID();
    }

    private static io.restassured.specification.RequestSpecification as(String user) {
        return given().header("Authorization", "Bearer " + TestTokens.forUser(user));
    }

    @Test
    void servesMembershipsSortedWithVersionAndETag() {
        String user = newUser();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, new Memberships(Map.of("vip", Instant.ofEpochMilli(1795600000000L),
                    "carts", Instant.ofEpochMilli(1795600001000L)), 3, 12), new Profile(user));
        }

        as(user).when().get("/v1/users/" + user + "/segments")
                .then().statusCode(200)
                .header("ETag", "\"v3.7416d67d\"") // the version, and the fingerprint of "carts", "vip"
                .body("userId", equalTo(user))
                .body("version", equalTo(3))
                .body("segments.id", contains("carts", "vip"))
                .body("segments[0].since", equalTo("2026-11-25T09:46:41Z"));

        as(user).header("If-None-Match", "\"v3.7416d67d\"").when().get("/v1/users/" + user + "/segments")
                .then().statusCode(304).header("ETag", "\"v3.7416d67d\"");
        as(user).header("If-None-Match", "\"v2\"").when().get("/v1/users/" + user + "/segments")
                .then().statusCode(200);
    }

    @Test
    void ifNoneMatchStarMatchesAnyCurrentAnswer() {
        String user = newUser();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", Instant.ofEpochMilli(1795600000000L)), 1);
        }
        as(user).header("If-None-Match", "*").when().get("/v1/users/" + user + "/segments")
                .then().statusCode(304).header("ETag", "\"v1.bec09dce\"");
        // A user without state is answered too (version 0): "*" matches that answer as well.
        String nobody = "nobody-" + UUID.randomUUID();
        as(nobody).header("If-None-Match", "*").when().get("/v1/users/" + nobody + "/segments").then().statusCode(304);
    }

    @Test
    void anUnknownUserIsInNoSegment() {
        String user = "nobody-" + UUID.randomUUID();
        as(user).when().get("/v1/users/" + user + "/segments")
                .then().statusCode(200).body("segments", empty()).body("version", equalTo(0));
    }

    @Test
    void aReadAfterAPublishedChangeHasTheNewVersion() {
        String user = newUser();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", Instant.now()), 1);
            as(user).when().get("/v1/users/" + user + "/segments").then().header("ETag", "\"v1.bec09dce\"");
            fixtures.enter(user, "carts", 2);
            as(user).header("If-None-Match", "\"v1.bec09dce\"").when().get("/v1/users/" + user + "/segments")
                    .then().statusCode(200).header("ETag", "\"v2.7416d67d\"").body("segments.id", contains("carts", "vip"));
        }
    }

    @Test
    void tokensWithOtherAllowListsNeverShareATagForOtherSegments() {
        String user = newUser();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", Instant.now(), "carts", Instant.now()), 4);
        }
        String all = as(user).when().get("/v1/users/" + user + "/segments").then().statusCode(200).extract().header("ETag");
        String cartsOnly = given().header("Authorization", "Bearer " + TestTokens.forUser(user, List.of("carts")))
                .when().get("/v1/users/" + user + "/segments").then().statusCode(200)
                .body("segments.id", contains("carts")).extract().header("ETag");

        assertThat(cartsOnly).isNotEqualTo(all);
        // A cache shared by both (one browser, two tokens) revalidating the other token's answer gets the right one.
        given().header("Authorization", "Bearer " + TestTokens.forUser(user, List.of("carts"))).header("If-None-Match", all)
                .when().get("/v1/users/" + user + "/segments").then().statusCode(200).body("segments.id", contains("carts"));
        given().header("Authorization", "Bearer " + TestTokens.forUser(user, List.of("carts"))).header("If-None-Match", cartsOnly)
                .when().get("/v1/users/" + user + "/segments").then().statusCode(304);
    }

    @Test
    void aUserErasedAndSeenAgainAtTheSameVersionDoesNotMatchItsOldTag() {
        String user = newUser();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", Instant.now()), 1);
            String before = as(user).when().get("/v1/users/" + user + "/segments").then().extract().header("ETag");
            // Erased, then a new profile whose versions start again from 1: in another segment.
            fixtures.store(user, Map.of("carts", Instant.now()), 1);

            as(user).header("If-None-Match", before).when().get("/v1/users/" + user + "/segments")
                    .then().statusCode(200).body("segments.id", contains("carts"));
        }
    }

    @Test
    void cacheControlIsPrivateWithStaleWhileRevalidateByDefault() {
        String user = newUser();
        as(user).when().get("/v1/users/" + user + "/segments")
                .then().statusCode(200)
                .header("Cache-Control", equalTo("private, max-age=5, stale-while-revalidate=30"))
                .header("Vary", containsString("Authorization"));
    }

    @Test
    void answersThatEchoTheOriginVaryOnItAlsoWhenNotModified() {
        String user = newUser();
        String site = "https://shop.example";
        String etag = as(user).header("Origin", site).when().get("/v1/users/" + user + "/segments")
                .then().statusCode(200)
                .header("Access-Control-Allow-Origin", equalTo(site))
                .header("Vary", equalTo("Authorization, Origin"))
                .extract().header("ETag");
        as(user).header("Origin", site).header("If-None-Match", etag).when().get("/v1/users/" + user + "/segments")
                .then().statusCode(304)
                .header("Access-Control-Allow-Origin", equalTo(site))
                .header("Vary", equalTo("Authorization, Origin"));
    }

    /** SEGFLOW_CORS_ORIGINS defaults to *: every origin is served, a sandboxed page's "null" too. */
    @Test
    void byDefaultEveryOriginIsServed() {
        String user = newUser();
        for (String origin : List.of("https://anywhere.example", "null")) {
            as(user).header("Origin", origin).when().get("/v1/users/" + user + "/segments")
                    .then().statusCode(200).header("Access-Control-Allow-Origin", equalTo(origin));
            given().header("Origin", origin).header("Access-Control-Request-Method", "GET")
                    .when().options("/v1/users/" + user + "/segments")
                    .then().statusCode(200).header("Access-Control-Allow-Origin", equalTo(origin));
        }
    }

    @Test
    void aTokenIsRequiredOutsideDev() {
        String user = newUser();
        given().when().get("/v1/users/" + user + "/segments")
                .then().statusCode(401).body("error", equalTo("unauthorized")).body("field", equalTo("token"));
        given().header("Authorization", "Bearer " + TestTokens.expired(user)).when().get("/v1/users/" + user + "/segments")
                .then().statusCode(401).body("reason", startsWith("token expired"));
        // Told apart from an expired one: a page gets a new token for that, not for a key its backend got wrong.
        given().header("Authorization", "Bearer " + TestTokens.signedWithAnotherKey(user)).when().get("/v1/users/" + user + "/segments")
                .then().statusCode(401).body("reason", containsString("another key")).body("reason", not(containsString("expired")));
        given().header("Authorization", "Basic dXNlcjo=").when().get("/v1/users/" + user + "/segments")
                .then().statusCode(401).body("field", equalTo("token"));
    }

    @Test
    void aTokenForAnotherUserIsForbidden() {
        String alice = newUser();
        String bob = newUser();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(bob, Map.of("vip", Instant.ofEpochMilli(1795600000000L)), 1);
        }
        given().header("Authorization", "Bearer " + TestTokens.forUser(alice)).when().get("/v1/users/" + bob + "/segments")
                .then().statusCode(403).body("error", equalTo("forbidden")).body("field", equalTo("userId"));
        given().queryParam("access_token", TestTokens.forUser(alice)).when().get("/v1/users/" + bob + "/segments")
                .then().statusCode(403);
    }

    @Test
    void anAllowListShowsOnlyItsSegments() {
        String user = newUser();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", Instant.ofEpochMilli(1795600000000L), "carts", Instant.ofEpochMilli(1795600001000L),
                    "churn-risk", Instant.ofEpochMilli(1795600002000L)), 3);
        }
        given().queryParam("access_token", TestTokens.forUser(user, List.of("vip", "carts")))
                .when().get("/v1/users/" + user + "/segments")
                .then().statusCode(200).body("segments.id", contains("carts", "vip")).body("version", equalTo(3));
    }

    @Test
    void aTooLongUserIdIsRefusedWithTheField() {
        String user = "u".repeat(300);
        as(user).when().get("/v1/users/" + user + "/segments").then().statusCode(400).body("field", equalTo("userId"));
    }
    @Test
    void anIdWithCharactersAUrlEscapesIsReadAsItWasStored() {
        // As segflow.js builds the URL: encodeURIComponent of the id, whatever SDK recorded it.
        for (String user : List.of("team/" + newUser(), newUser() + "?x=1#y", "50% " + newUser(), "é+" + newUser(),
                "...", ".hidden")) {
            try (UserFixtures fixtures = new UserFixtures(redis)) {
                fixtures.store(user, new Memberships(Map.of("vip", Instant.ofEpochMilli(1795600000000L)), 1, 1),
                        new Profile(user));
            }
            String path = "/v1/users/" + java.net.URLEncoder.encode(user, java.nio.charset.StandardCharsets.UTF_8)
                    .replace("+", "%20") + "/segments";
            as(user).urlEncodingEnabled(false).when().get(path)
                    .then().statusCode(200).body("userId", equalTo(user)).body("segments.id", contains("vip"));
        }
    }
}
