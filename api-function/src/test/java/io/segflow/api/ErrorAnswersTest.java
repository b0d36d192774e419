package io.segflow.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.api.support.RawHttp;
import io.segflow.core.json.Json;
import io.segflow.testkit.KafkaAndRedisResource;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What the HTTP layer and the framework refuse is answered in the api's JSON error format, naming what is wrong. */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class ErrorAnswersTest {
    private static final String ADMIN = "Authorization: Bearer dev-admin-key";
    private static final long OVER_THE_LIMIT = RequestSizeLimit.MAX_BODY_BYTES + 1024 * 1024;

    @Test
    void aDeclaredBodyOverTheLimitIsAJson413BeforeItIsRead() throws Exception {
        for (String[] headers : new String[][] {{ADMIN}, {}}) {
            RawHttp.Answer answer = RawHttp.declaring("PUT", "/v1/segments/huge", OVER_THE_LIMIT, headers);
            assertTooLarge(answer);
        }
    }

    @Test
    void aChunkedBodyOverTheLimitIsAJson413() throws Exception {
        assertTooLarge(RawHttp.chunked("PUT", "/v1/segments/huge", OVER_THE_LIMIT, ADMIN));
    }

    @Test
    void anUnknownPathIsNotFoundNamingThePath() {
        for (String path : new String[] {"/v1/nope", "/nope", "/v1/segments/s2/nope"}) {
            given().header("Authorization", "Bearer dev-admin-key").when().get(path)
                    .then().statusCode(404).contentType(startsWith("application/json"))
                    .body("error", equalTo("not_found")).body("field", equalTo("path")).body("reason", containsString(path));
        }
    }

    @Test
    void aMethodThePathDoesNotTakeIs405ListingTheOnesItDoes() {
        for (String method : new String[] {"POST", "PATCH"}) {
            given().header("Authorization", "Bearer dev-admin-key").when().request(method, "/v1/segments/s2")
                    .then().statusCode(405).contentType(startsWith("application/json"))
                    .body("error", equalTo("method_not_allowed")).body("field", equalTo("method"))
                    .body("reason", containsString(method + " is not allowed on /v1/segments/s2"))
                    .header("Allow", equalTo("DELETE, GET, HEAD, PUT"));
        }
        // The framework finds no method here (another resource shares the root): still a 405, not a 404.
        given().when().post("/v1/users/u1/segments")
                .then().statusCode(405).body("error", equalTo("method_not_allowed")).body("field", equalTo("method"))
                .header("Allow", equalTo("GET, HEAD"));
        given().when().put("/v1/users/u1/profile").then().statusCode(405).header("Allow", equalTo("GET, HEAD"));
    }

    @Test
    void anAnswerTheClientDoesNotAcceptIs406NamingAccept() {
        given().header("Authorization", "Bearer dev-admin-key").accept("text/html").when().get("/v1/segments")
                .then().statusCode(406).contentType(startsWith("application/json"))
                .body("error", equalTo("not_acceptable")).body("field", equalTo("Accept"))
                .body("reason", containsString("text/html"));
    }

    @Test
    void aUserIdWithControlCharactersIsRefusedAsIngestRefusesIt() {
        for (String path : new String[] {"/v1/users/%00/segments", "/v1/users/u%091/segments", "/v1/users/u%0A/profile"}) {
            given().header("Authorization", "Bearer dev-admin-key").urlEncodingEnabled(false).when().get(path)
                    .then().statusCode(400).body("error", equalTo("invalid_request")).body("field", equalTo("userId"))
                    .body("reason", containsString("control characters"));
        }
    }

    @Test
    void invalidUtf8InABodyIsMalformedJsonNotACondition() {
        byte[] body = "{\"condition\":\"traits.plan == 'p?o'\"}".getBytes(StandardCharsets.US_ASCII);
        body[body.length - 5] = (byte) 0xff;
        given().header("Authorization", "Bearer dev-admin-key").contentType("application/json").body(body)
                .when().put("/v1/segments/utf8-" + UUID.randomUUID().toString().substring(0, 8))
                .then().statusCode(400).body("error", equalTo("malformed_json")).body("field", equalTo("$"))
                .body("reason", containsString("UTF-8")).body("reason", containsString("line 1"));
        given().header("Authorization", "Bearer dev-admin-key").contentType("application/json").body("{\"condition\":")
                .when().post("/v1/segments/validate")
                .then().statusCode(400).body("error", equalTo("malformed_json")).body("reason", startsWith("malformed JSON: "));
    }

    private static void assertTooLarge(RawHttp.Answer answer) {
        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        assertThat(answer.header("Connection")).isEqualTo("close");
        @SuppressWarnings("unchecked")
        Map<String, Object> body = Json.read(answer.body(), Map.class);
        assertThat(body).containsEntry("error", "request_too_large").containsEntry("field", "$");
        assertThat((String) body.get("reason")).contains(Integer.toString(RequestSizeLimit.MAX_BODY_BYTES));
    }
}
