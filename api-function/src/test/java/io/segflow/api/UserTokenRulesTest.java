package io.segflow.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.segflow.api.support.TestTokens;
import io.segflow.testkit.KafkaAndRedisResource;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What makes a user token acceptable, whoever signed it: sub and exp, an optional iat, a lifetime within max-ttl. */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class UserTokenRulesTest {
    private static final Duration MAX_TTL = Duration.ofDays(30);

    private static void read(String user, String token, int status) {
        given().header("Authorization", "Bearer " + token).when().get("/v1/users/" + user + "/segments").then().statusCode(status);
    }

    @Test
    void aTokenWithoutIatIsAccepted() {
        String user = "u-" + UUID.randomUUID();
        read(user, TestTokens.withTimes(user, null, Instant.now().plusSeconds(600)), 200);
    }

    @Test
    void aTokenLivingExactlyTheMaximumIsAccepted() {
        String user = "u-" + UUID.randomUUID();
        Instant now = Instant.now();
        read(user, TestTokens.withTimes(user, now, now.plus(MAX_TTL)), 200);
    }

    @Test
    void aTokenIssuedForLongerThanTheMaximumIsRefusedWithTheReason() {
        String user = "u-" + UUID.randomUUID();
        Instant issued = Instant.now().minus(Duration.ofDays(300));
        given().header("Authorization", "Bearer " + TestTokens.withTimes(user, issued, Instant.now().plusSeconds(600)))
                .when().get("/v1/users/" + user + "/segments")
                .then().statusCode(401).body("error", equalTo("unauthorized")).body("field", equalTo("token"))
                .body("reason", containsString("max-ttl"));
    }

    @Test
    void aTokenWithoutIatThatExpiresBeyondTheMaximumIsRefused() {
        String user = "u-" + UUID.randomUUID();
        given().header("Authorization", "Bearer " + TestTokens.withTimes(user, null, Instant.now().plus(MAX_TTL).plusSeconds(3600)))
                .when().get("/v1/users/" + user + "/segments")
                .then().statusCode(401).body("field", equalTo("token")).body("reason", containsString("max-ttl"));
    }

    @Test
    void aTokenIssuedInTheFutureIsRefused() {
        String user = "u-" + UUID.randomUUID();
        Instant future = Instant.now().plus(Duration.ofDays(20));
        given().header("Authorization", "Bearer " + TestTokens.withTimes(user, future, future.plus(Duration.ofDays(20))))
                .when().get("/v1/users/" + user + "/segments")
                .then().statusCode(401).body("reason", containsString("'iat'"));
    }

    @Test
    void aRefusedUserReadSaysItTakesABearerToken() {
        given().header("Authorization", "Bearer garbage").when().get("/v1/users/u1/segments")
                .then().statusCode(401).body("field", equalTo("token")).header("WWW-Authenticate", equalTo("Bearer"));
        given().when().get("/v1/users/u1/segments").then().statusCode(401).header("WWW-Authenticate", equalTo("Bearer"));
        given().header("Authorization", "Basic dTE6cHc=").when().get("/v1/users/u1/profile")
                .then().statusCode(401).header("WWW-Authenticate", equalTo("Bearer"));
    }

    @Test
    void theAllowListOfAMintedTokenIsCappedAtAHundredSegments() {
        String hundred = IntStream.range(0, 100).mapToObj(i -> "\"s" + i + "\"").collect(Collectors.joining(","));
        given().header("Authorization", "Bearer dev-admin-key").contentType(ContentType.JSON)
                .body("{\"userId\":\"u1\",\"segments\":[" + hundred + "]}")
                .when().post("/v1/tokens").then().statusCode(200);
        given().header("Authorization", "Bearer dev-admin-key").contentType(ContentType.JSON)
                .body("{\"userId\":\"u1\",\"segments\":[" + hundred + ",\"one-more\"]}")
                .when().post("/v1/tokens").then().statusCode(400).body("field", equalTo("segments"))
                .body("reason", containsString("100"));
    }
}
