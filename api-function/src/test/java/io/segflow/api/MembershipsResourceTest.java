package io.segflow.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.redis.RedisKeys;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class MembershipsResourceTest {

    @Inject
    RedisDataSource redis;

    @Test
    void servesMembershipsSortedWithVersionAndETag() {
        String user = "user-" + UUID.randomUUID();
        redis.hash(String.class).hset(RedisKeys.members(user),
                Map.of("vip", "1795600000000", "carts", "1795600001000", RedisKeys.VERSION_FIELD, "3"));

        given().when().get("/v1/users/" + user + "/segments")
                .then().statusCode(200)
                .header("ETag", "\"v3\"")
                .body("userId", equalTo(user))
                .body("version", equalTo(3))
                .body("segments.id", contains("carts", "vip"))
                .body("segments[0].since", equalTo("2026-11-25T09:46:41Z"));

        given().header("If-None-Match", "\"v3\"").when().get("/v1/users/" + user + "/segments")
                .then().statusCode(304);
        given().header("If-None-Match", "\"v2\"").when().get("/v1/users/" + user + "/segments")
                .then().statusCode(200);
    }

    @Test
    void anUnknownUserIsInNoSegment() {
        given().when().get("/v1/users/nobody-" + UUID.randomUUID() + "/segments")
                .then().statusCode(200).body("segments", empty()).body("version", equalTo(0));
    }
}
