package io.segflow.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.segflow.api.support.UserFixtures;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class TokensResourceTest {

    @Inject
    RedisDataSource redis;

    private static io.restassured.specification.RequestSpecification admin() {
        return given().header("Authorization", "Bearer dev-admin-key").contentType(ContentType.JSON);
    }

    @Test
    void aMintedTokenReadsItsUserAndOnlyTheAllowListedSegments() {
        String user = "u-" + UUID.randomUUID();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", Instant.ofEpochMilli(1795600000000L), "carts", Instant.ofEpochMilli(1795600001000L)), 2);
        }
        String token = admin().body("{\"userId\":\"" + user + "\",\"ttlSeconds\":120,\"segments\":[\"vip\"]}")
                .when().post("/v1/tokens")
                .then().statusCode(200).body("userId", equalTo(user))
                .body("expiresIn", equalTo(120))
                .extract().path("token");

        given().header("Authorization", "Bearer " + token).when().get("/v1/users/" + user + "/segments")
                .then().statusCode(200).body("segments.id", contains("vip"));
        given().header("Authorization", "Bearer " + token).when().get("/v1/users/someone-else/segments")
                .then().statusCode(403);
    }

    @Test
    void mintingNeedsTheAdminKeyAndValidInput() {
        given().contentType(ContentType.JSON).body("{\"userId\":\"u1\"}").when().post("/v1/tokens").then().statusCode(401);
        admin().body("{}").when().post("/v1/tokens").then().statusCode(400).body("field", equalTo("userId"));
        admin().body("{\"userId\":\"u1\",\"ttlSeconds\":\"soon\"}").when().post("/v1/tokens").then().statusCode(400).body("field", equalTo("ttlSeconds"));
        admin().body("{\"userId\":\"u1\",\"ttlSeconds\":0}").when().post("/v1/tokens").then().statusCode(400).body("field", equalTo("ttlSeconds"));
        admin().body("{\"userId\":\"u1\",\"ttlSeconds\":99999999}").when().post("/v1/tokens").then().statusCode(400).body("field", equalTo("ttlSeconds"));
        // A fraction is refused, not truncated to another lifetime than asked; so is any number not written as an integer.
        admin().body("{\"userId\":\"u1\",\"ttlSeconds\":1.5}").when().post("/v1/tokens").then().statusCode(400)
                .body("field", equalTo("ttlSeconds")).body("reason", containsString("whole number"));
        admin().body("{\"userId\":\"u1\",\"ttlSeconds\":60.0}").when().post("/v1/tokens").then().statusCode(400).body("field", equalTo("ttlSeconds"));
        admin().body("{\"userId\":\"u1\",\"ttlSeconds\":6e1}").when().post("/v1/tokens").then().statusCode(400).body("field", equalTo("ttlSeconds"));
        admin().body("{\"userId\":\"u1\",\"segments\":\"vip\"}").when().post("/v1/tokens").then().statusCode(400).body("field", equalTo("segments"));
        admin().body("{\"userId\":\"u1\",\"segments\":[\"ok\",\"bad id\"]}").when().post("/v1/tokens").then().statusCode(400).body("field", equalTo("segments[1]"));
        admin().body("[1]").when().post("/v1/tokens").then().statusCode(400).body("field", equalTo("$"));
    }

    @Test
    void noTokenIsMintedForDotOrDotDotWhichNoUrlCanName() {
        for (String id : new String[] {".", ".."}) {
            admin().body("{\"userId\":\"" + id + "\"}").when().post("/v1/tokens")
                    .then().statusCode(400).body("error", equalTo("invalid_request")).body("field", equalTo("userId"))
                    .body("reason", containsString("must not be \".\" or \"..\""));
        }
        admin().body("{\"userId\":\"..u1\"}").when().post("/v1/tokens").then().statusCode(200);
    }
}
