package io.segflow.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.redis.ScoringCodec;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class ScoringResourceTest {

    @Inject
    RedisDataSource redis;

    @Test
    void storesScoringThatSegmentFunctionsRead() {
        long revision = revision();
        given().header("Authorization", "Bearer dev-admin-key").contentType(ContentType.JSON)
                .body("{\"halfLife\":\"7d\",\"weights\":{\"page\":1,\"add_to_cart\":5,\"purchase_completed\":20}}")
                .when().put("/v1/scoring")
                .then().statusCode(200).body("halfLife", equalTo("7d")).body("weights.add_to_cart", equalTo(5.0f));

        var scoring = ScoringCodec.read(redis.value(String.class).get(RedisKeys.SCORING));
        org.assertj.core.api.Assertions.assertThat(scoring.halfLife()).isEqualTo(Duration.ofDays(7));
        org.assertj.core.api.Assertions.assertThat(scoring.weightOf("purchase_completed")).isEqualTo(20.0);
        org.assertj.core.api.Assertions.assertThat(revision()).isGreaterThan(revision);
        given().header("Authorization", "Bearer dev-admin-key").when().get("/v1/scoring")
                .then().statusCode(200).body("weights.page", equalTo(1.0f));
    }

    @Test
    void badScoringNamesTheField() {
        put("{\"halfLife\":\"a week\",\"weights\":{}}").then().statusCode(400).body("field", equalTo("halfLife"));
        put("{\"halfLife\":\"7d\",\"weights\":{\"page\":\"high\"}}").then().statusCode(400).body("field", equalTo("weights.page"));
        put("{\"halfLife\":\"7d\"}").then().statusCode(400).body("field", equalTo("weights"))
                .body("reason", org.hamcrest.Matchers.startsWith("is required"));
        put("{\"halfLife\":\"7d\",\"weights\":[1]}").then().statusCode(400).body("field", equalTo("weights"))
                .body("reason", org.hamcrest.Matchers.startsWith("must be an object"));
        given().contentType(ContentType.JSON).body("{}").when().put("/v1/scoring").then().statusCode(401);
    }

    private static io.restassured.response.Response put(String body) {
        return given().header("Authorization", "Bearer dev-admin-key").contentType(ContentType.JSON).body(body)
                .when().put("/v1/scoring");
    }

    private long revision() {
        Long value = redis.value(Long.class).get(RedisKeys.SEGMENTS_REVISION);
        return value == null ? 0 : value;
    }
}
