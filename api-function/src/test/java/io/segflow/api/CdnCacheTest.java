package io.segflow.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.segflow.api.support.ProductionProfile;
import io.segflow.api.support.TestTokens;
import io.segflow.testkit.KafkaAndRedisResource;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** In CDN mode shared caches may keep membership reads briefly; the answer varies with the token and origin. */
@QuarkusTest
@TestProfile(ProductionProfile.class)
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class CdnCacheTest {

    @Test
    void readsArePubliclyCacheableForAFewSecondsAndVaryOnTokenAndOrigin() {
        String user = "cdn-" + UUID.randomUUID();
        given().header("Authorization", "Bearer " + TestTokens.forUser(user))
                .when().get("/v1/users/" + user + "/segments")
                .then().statusCode(200)
                .header("Cache-Control", org.hamcrest.Matchers.allOf(
                        org.hamcrest.Matchers.startsWith("public, "), org.hamcrest.Matchers.containsString("s-maxage=7"),
                        org.hamcrest.Matchers.containsString("stale-while-revalidate=")))
                .header("Vary", equalTo("Authorization, Origin"));
    }
}
