package io.segflow.ingest;

import static io.segflow.ingest.IngestTestSupport.valuesOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The body is JSON whatever the Content-Type says, in any Content-Encoding Segment's servers accept; what cannot be
 * read is a JSON error naming the problem, never the framework's error page.
 */
@QuarkusTest
class BodyFormatsTest extends IngestTopicsTest {
    /** Past Vert.x's 2 KB form-field limit, which a body parsed as a form would hit. */
    private static final String LONG_TEXT = "x".repeat(5_000);

    @TestHTTPResource("/")
    URL base;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(nullValues = "none", value = {
            "application/x-www-form-urlencoded, gzip", "application/x-www-form-urlencoded, none",
            "multipart/form-data; boundary=x, none", "text/plain, gzip", "text/plain, deflate",
            "none, none", "none, gzip", "application/json, identity", "application/json, x-gzip"})
    void aCallIsReadAsJsonWhateverItsContentTypeAndEncoding(String contentType, String encoding) throws Exception {
        String call = "{\"userId\":\"" + user + "\",\"event\":\"encoded\",\"properties\":{\"text\":\"" + LONG_TEXT + "\"}}";
        RawHttp.Answer answer = post("/v1/track", contentType, encoding, encode(encoding, call));

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(Json.read(answer.body(), JsonNode.class).get("success").asBoolean()).isTrue();
        JsonNode event = valuesOf(events, user, 1).getFirst();
        assertThat(event.get("properties").get("text").asText()).isEqualTo(LONG_TEXT);
    }

    @Test
    void aBatchPostedAsGzipFormDataLikeTheNodeSdkDoesIsIngested() throws Exception {
        String body = "{\"batch\":[{\"type\":\"identify\",\"userId\":\"" + user + "\",\"traits\":{\"bio\":\"" + LONG_TEXT
                + "\"}},{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"signed_up\"}],\"sentAt\":\"2026-11-26T10:00:00Z\"}";
        RawHttp.Answer answer = post("/v1/batch", "application/x-www-form-urlencoded", "gzip", encode("gzip", body));

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(valuesOf(events, user, 2)).extracting(e -> e.get("type").asText()).containsExactly("identify", "track");
    }

    @Test
    void aClientWaitingFor100ContinueIsAnsweredAndItsCallsIngestedOnEveryEndpoint() throws Exception {
        Map<String, String> headers = Map.of("Authorization", RawHttp.basicAuth("dev-write-key"),
                "Content-Type", "application/json");
        String batch = "{\"batch\":[{\"type\":\"track\",\"userId\":\"" + user + "\",\"event\":\"expecting\"}]}";
        String cloudEvent = "{\"specversion\":\"1.0\",\"id\":\"c-1\",\"source\":\"app\",\"type\":\"com.example.track\","
                + "\"data\":{\"userId\":\"" + user + "\",\"event\":\"expecting\"}}";

        List<String> segment = RawHttp.statusLinesExpectingContinue(uri("/v1/batch"), headers, utf8(batch));
        List<String> cloudEvents = RawHttp.statusLinesExpectingContinue(uri("/"),
                Map.of("Content-Type", "application/cloudevents+json"), utf8(cloudEvent));

        assertThat(segment).containsExactly("HTTP/1.1 100 Continue", "HTTP/1.1 200 OK");
        assertThat(cloudEvents).containsExactly("HTTP/1.1 100 Continue", "HTTP/1.1 200 OK");
        assertThat(valuesOf(events, user, 2)).extracting(e -> e.get("event").asText()).containsOnly("expecting");
    }

    @Test
    void rawDeflateIsAcceptedAsDeflateToo() throws Exception {
        String call = "{\"userId\":\"" + user + "\",\"event\":\"raw\"}";
        byte[] zlib = encode("deflate", call);
        byte[] raw = Arrays.copyOfRange(zlib, 2, zlib.length - 4); // without the zlib header and checksum
        assertThat(post("/v1/track", "application/json", "deflate", raw).status()).isEqualTo(200);
    }

    @Test
    void aBodyThatIsNotWhatItsEncodingSaysIsA400NamingTheEncoding() throws Exception {
        String call = "{\"userId\":\"" + user + "\",\"event\":\"e\"}";
        byte[] truncated = Arrays.copyOf(encode("gzip", call), 20);
        for (String path : new String[] {"/v1/track", "/"}) {
            assertError(post(path, "application/json", "gzip", call.getBytes(StandardCharsets.UTF_8)),
                    400, "undecodable_body", "content-encoding");
            assertError(post(path, "application/json", "gzip", truncated), 400, "undecodable_body", "content-encoding");
            assertError(post(path, "application/json", "deflate", "not deflate".getBytes(StandardCharsets.UTF_8)),
                    400, "undecodable_body", "content-encoding");
        }
    }

    @Test
    void anEncodingOtherThanGzipOrDeflateIsA415() throws Exception {
        byte[] call = ("{\"userId\":\"" + user + "\",\"event\":\"e\"}").getBytes(StandardCharsets.UTF_8);
        assertError(post("/v1/track", "application/json", "br", call), 415, "unsupported_encoding", "content-encoding");
        assertError(post("/", "application/json", "compress", call), 415, "unsupported_encoding", "content-encoding");
    }

    @Test
    void jsonNestedPastTheParsersDepthLimitIsA400() throws Exception {
        String deep = "[".repeat(1_500) + "]".repeat(1_500);
        String inProperties = "{\"userId\":\"" + user + "\",\"event\":\"e\",\"properties\":{\"a\":" + deep + "}}";
        String atTopLevel = "{\"userId\":\"" + user + "\",\"event\":\"e\",\"extra\":" + deep + "}";
        String batch = "{\"batch\":[" + inProperties.replace("{\"userId\"", "{\"type\":\"track\",\"userId\"") + "]}";
        String cloudEvent = "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"s\",\"type\":\"t\",\"data\":" + deep + "}";
        assertMalformed(post("/v1/track", "application/json", null, utf8(inProperties)), "nested deeper than 1000 levels");
        assertMalformed(post("/v1/track", "application/json", null, utf8(atTopLevel)), "nested deeper than 1000 levels");
        assertMalformed(post("/v1/batch", "text/plain", null, utf8(batch)), "nested deeper than 1000 levels");
        assertMalformed(post("/", "application/cloudevents+json", null, utf8(cloudEvent)), "nested deeper than 1000 levels");
    }

    @Test
    void aNumberOrFieldNamePastTheParsersLimitsIsA400InPlainWords() throws Exception {
        String longNumber = "{\"userId\":\"" + user + "\",\"event\":\"e\",\"properties\":{\"n\":" + "9".repeat(1_500) + "}}";
        String longName = "{\"userId\":\"" + user + "\",\"event\":\"e\",\"" + "k".repeat(60_000) + "\":1}";
        assertMalformed(post("/v1/track", "application/json", null, utf8(longNumber)),
                "holds a number longer than 1000 characters");
        assertMalformed(post("/v1/track", "application/json", null, utf8(longName)),
                "holds a field name longer than 50000 characters");
    }

    /** A 400 malformed_json with this reason, in words of the request, not of the parser's settings. */
    private static void assertMalformed(RawHttp.Answer answer, String reason) {
        assertError(answer, 400, "malformed_json", "$");
        assertThat(Json.read(answer.body(), JsonNode.class).get("reason").asText()).isEqualTo(reason);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aChunkedBodyOverTheLimitIsA413InJsonOnEveryEndpoint() throws Exception {
        byte[] big = ("{\"batch\":[],\"pad\":\"" + "x".repeat(5 * 1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
        for (String path : new String[] {"/v1/batch", "/"}) {
            Map<String, String> headers = Map.of("Authorization", RawHttp.basicAuth("dev-write-key"),
                    "Content-Type", "application/json");
            assertError(RawHttp.post(uri(path), headers, big, true, false), 413, "request_too_large", "$");
        }
    }

    private RawHttp.Answer post(String path, String contentType, String encoding, byte[] body) throws Exception {
        Map<String, String> headers = new HashMap<>();
        headers.put("Authorization", RawHttp.basicAuth("dev-write-key"));
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        if (encoding != null) {
            headers.put("Content-Encoding", encoding);
        }
        return RawHttp.post(uri(path), headers, body);
    }

    private URI uri(String path) {
        return URI.create(base.toString().replaceAll("/$", "") + path);
    }

    private static void assertError(RawHttp.Answer answer, int status, String error, String field) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.contentType()).startsWith("application/json");
        JsonNode body = Json.read(answer.body(), JsonNode.class);
        assertThat(body.get("success").asBoolean()).isFalse();
        assertThat(body.get("error").asText()).isEqualTo(error);
        assertThat(body.get("field").asText()).isEqualTo(field);
    }

    private static byte[] encode(String encoding, String text) throws IOException {
        byte[] plain = text.getBytes(StandardCharsets.UTF_8);
        if (encoding == null || encoding.equals("identity")) {
            return plain;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var encoder = encoding.equals("deflate") ? new DeflaterOutputStream(out) : new GZIPOutputStream(out)) {
            encoder.write(plain);
        }
        return out.toByteArray();
    }
}
