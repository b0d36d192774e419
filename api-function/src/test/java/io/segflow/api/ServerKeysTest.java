package io.segflow.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.segflow.api.support.UserFixtures;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A customer's backend reads any user's memberships with a key instead of minting a token per user. */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class ServerKeysTest {
    private static final String SERVER_KEY = "test-server-key-0123456789";

    @Inject
    RedisDataSource redis;

    private String user;

    @BeforeEach
    void aUserInASegment() {
        user = "backend-read-" + UUID.randomUUID();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", Instant.now()), 2);
        }
    }

    private static RequestSpecification withKey(String key) {
        return given().header("Authorization", "Bearer " + key);
    }

    @Test
    void theServerKeyReadsAnyUsersSegmentsAndProfile() {
        withKey(SERVER_KEY).when().get("/v1/users/" + user + "/segments")
                .then().statusCode(200).body("segments.id", contains("vip")).body("version", equalTo(2));
        withKey(SERVER_KEY).when().get("/v1/users/" + user + "/profile")
                .then().statusCode(200).body("segments.id", contains("vip"));
    }

    @Test
    void theAdminKeyReadsAnyUsersSegmentsAndProfile() {
        withKey("dev-admin-key").when().get("/v1/users/" + user + "/segments")
                .then().statusCode(200).body("segments.id", contains("vip"));
        withKey("dev-admin-key").when().get("/v1/users/" + user + "/profile").then().statusCode(200);
    }

    @Test
    void theServerKeyChangesNothing() {
        withKey(SERVER_KEY).contentType(ContentType.JSON).body("{\"condition\":\"true\"}")
                .when().put("/v1/segments/by-server-key").then().statusCode(403).body("error", equalTo("forbidden"))
                .body("field", equalTo("Authorization"));
        withKey(SERVER_KEY).when().get("/v1/segments").then().statusCode(403);
        withKey(SERVER_KEY).when().delete("/v1/users/" + user).then().statusCode(403);
        withKey(SERVER_KEY).contentType(ContentType.JSON).body("{\"userId\":\"u1\"}").when().post("/v1/tokens").then().statusCode(403);
        withKey(SERVER_KEY).contentType(ContentType.JSON).body("{\"halfLife\":\"1d\",\"weights\":{}}")
                .when().put("/v1/scoring").then().statusCode(403);
        withKey("dev-admin-key").when().get("/v1/segments/by-server-key").then().statusCode(404);
    }

    @Test
    void keysAreOnlyTakenFromTheHeaderAndMustBeKnown() {
        given().queryParam("access_token", SERVER_KEY).when().get("/v1/users/" + user + "/segments")
                .then().statusCode(401).body("field", equalTo("token"));
        withKey("not-a-known-key-0123456789").when().get("/v1/users/" + user + "/profile")
                .then().statusCode(401).body("field", equalTo("Authorization"));
        given().when().get("/v1/users/" + user + "/profile").then().statusCode(401);
    }
}
