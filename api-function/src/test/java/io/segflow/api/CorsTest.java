package io.segflow.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import io.segflow.api.support.ProductionProfile;
import io.segflow.api.support.TestTokens;
import io.segflow.testkit.KafkaAndRedisResource;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Origins listed in SEGFLOW_CORS_ORIGINS get CORS answers; any other is refused 403 in JSON, whatever it asks. */
@QuarkusTest
@TestProfile(ProductionProfile.class)
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class CorsTest {
    private static final String PARTNER = "https://eu.partner.example";
    private final String user = "cors-" + UUID.randomUUID();

    private RequestSpecification asUser() {
        return given().header("Authorization", "Bearer " + TestTokens.forUser(user));
    }

    private ValidatableResponse read(String origin) {
        return asUser().header("Origin", origin).when().get("/v1/users/{userId}/segments", user).then();
    }

    private ValidatableResponse preflight(String origin) {
        return given().header("Origin", origin).header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "Authorization, If-None-Match")
                .when().options("/v1/users/{userId}/segments", user).then();
    }

    private static void refusedInJson(ValidatableResponse answer) {
        answer.statusCode(403).contentType(startsWith("application/json"))
                .header("Access-Control-Allow-Origin", nullValue())
                .body("success", equalTo(false)).body("error", equalTo("origin_not_allowed"))
                .body("field", equalTo("Origin")).body("reason", containsString("SEGFLOW_CORS_ORIGINS"));
    }

    @Test
    void anOriginNotListedIsRefusedInJsonForAReadAndAPreflight() {
        for (String origin : new String[] {"https://elsewhere.example", "null", PARTNER + ".elsewhere.example"}) {
            refusedInJson(read(origin));
            refusedInJson(preflight(origin));
        }
    }

    @Test
    void streamsSocketsAndTokensAreRefusedTheSameWay() {
        Function<RequestSpecification, RequestSpecification> upgrade = request -> request.header("Connection", "Upgrade")
                .header("Upgrade", "websocket").header("Sec-WebSocket-Version", "13")
                .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
        String elsewhere = "https://elsewhere.example";
        refusedInJson(asUser().header("Origin", elsewhere).accept("text/event-stream")
                .when().get("/v1/users/{userId}/segments/stream", user).then());
        refusedInJson(upgrade.apply(asUser().header("Origin", elsewhere))
                .when().get("/v1/users/{userId}/segments/ws", user).then());
        refusedInJson(given().header("Origin", elsewhere).header("Authorization", "Bearer prod-like-admin-key")
                .contentType("application/json").body("{\"userId\":\"" + user + "\"}").when().post("/v1/tokens").then());
    }

    @Test
    void listedOriginsAreEchoedAndMayReadTheTagAndTheRetryDelay() {
        for (String origin : new String[] {ProductionProfile.LISTED_ORIGIN, PARTNER}) {
            read(origin).statusCode(200)
                    .header("Access-Control-Allow-Origin", equalTo(origin))
                    .header("Access-Control-Expose-Headers", equalTo("ETag,Retry-After"))
                    .header("Vary", equalTo("Authorization, Origin"));
            preflight(origin).statusCode(200)
                    .header("Access-Control-Allow-Origin", equalTo(origin))
                    .header("Access-Control-Allow-Methods", containsString("GET"))
                    .header("Access-Control-Allow-Headers", containsString("Authorization"));
        }
    }

    @Test
    void aRequestWithoutOriginAndOneFromTheApisOwnOriginAreServed() {
        asUser().when().get("/v1/users/{userId}/segments", user).then().statusCode(200)
                .header("Access-Control-Allow-Origin", nullValue());
        read("http://localhost:" + RestAssured.port).statusCode(200);
    }
}
