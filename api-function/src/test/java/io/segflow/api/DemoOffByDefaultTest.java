package io.segflow.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.segflow.api.support.ProductionProfile;
import io.segflow.core.redis.RedisKeys;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** Under the production profile, where nothing turns it on, the demo neither mints tokens nor defines segments. */
@QuarkusTest
@TestProfile(ProductionProfile.class)
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class DemoOffByDefaultTest {

    @Inject
    RedisDataSource redis;

    @Test
    void theDemoSessionIsNotFoundAndDefinesNoSegment() {
        redis.hash(String.class).hdel(RedisKeys.SEGMENTS, "browsing-a-lot", "cart-abandoner");
        given().when().get("/demo/session").then().statusCode(404).body("field", equalTo("path"));
        assertThat(redis.hash(String.class).hget(RedisKeys.SEGMENTS, "browsing-a-lot")).isNull();
        assertThat(redis.hash(String.class).hget(RedisKeys.SEGMENTS, "cart-abandoner")).isNull();
    }
}
