package io.segflow.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.segflow.core.redis.RedisKeys;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Under the production profile, where nothing turns it on, the demo neither mints tokens nor defines segments. */
@QuarkusTest
@TestProfile(DemoOffByDefaultTest.Production.class)
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class DemoOffByDefaultTest {

    /** The prod profile: none of the %test settings, so segflow.demo.enabled keeps its default. */
    public static class Production implements QuarkusTestProfile {
        @Override
        public String getConfigProfile() {
            return "prod";
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("segflow.admin-key", "prod-like-admin-key", "quarkus.otel.sdk.disabled", "true");
        }
    }

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
