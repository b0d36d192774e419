package io.segflow.api.redis;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.segflow.core.redis.RedisKeys;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A segment save its check refuses (a cycle) leaves no WATCH behind on the pooled connection it used: a later
 * transaction on that connection is not aborted by a change to the definitions it never read. One connection in
 * the pool, so that the next write takes the same one.
 */
@QuarkusTest
@TestProfile(RefusedSaveTest.OneConnection.class)
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class RefusedSaveTest {

    public static class OneConnection implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.redis.max-pool-size", "1");
        }
    }

    @Inject
    RedisDataSource redis;

    @Test
    void aSaveItsCheckRefusedLeavesNoWatchOnItsConnection() {
        String first = "refused-" + UUID.randomUUID().toString().substring(0, 8);
        String second = "refused-" + UUID.randomUUID().toString().substring(0, 8);
        admin().body("{\"condition\":\"true\"}").when().put("/v1/segments/" + second).then().statusCode(201);
        admin().body("{\"condition\":\"inSegment(\\\"" + second + "\\\")\"}").when().put("/v1/segments/" + first).then().statusCode(201);
        admin().body("{\"condition\":\"inSegment(\\\"" + first + "\\\")\"}").when().put("/v1/segments/" + second)
                .then().statusCode(400).body("error", equalTo("invalid_condition"));

        // The definitions change (on the pool's one connection), then a transaction that does not read them.
        redis.hash(String.class).hset(RedisKeys.SEGMENTS, first + "-probe", "{}");
        try {
            admin().body("{\"halfLife\":\"7d\",\"weights\":{}}").when().put("/v1/scoring").then().statusCode(200);
        } finally {
            redis.hash(String.class).hdel(RedisKeys.SEGMENTS, first + "-probe", first, second);
        }
    }

    private static RequestSpecification admin() {
        return given().header("Authorization", "Bearer dev-admin-key").contentType(ContentType.JSON);
    }
}
