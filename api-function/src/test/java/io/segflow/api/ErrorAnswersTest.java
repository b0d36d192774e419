package io.segflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.api.support.RawHttp;
import io.segflow.core.json.Json;
import io.segflow.testkit.KafkaAndRedisResource;
import java.util.Map;
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
