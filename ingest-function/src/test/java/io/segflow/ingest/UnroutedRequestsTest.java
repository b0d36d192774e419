package io.segflow.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Requests that are none of ingest's calls get ingest's JSON error naming what is wrong (the method or the path), never
 * the framework's HTML page; Quarkus' own paths stay Quarkus'.
 */
@QuarkusTest
class UnroutedRequestsTest extends IngestTopicsTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"GET, /v1/track", "PUT, /v1/track", "DELETE, /v1/track", "PATCH, /v1/batch", "GET, /v1/t", "GET, /v1/track/",
            "GET, /", "PUT, /", "OPTIONS, /v1/track"})
    void aCallsPathWithAnotherMethodThanPostIsA405NamingTheMethod(String method, String path) {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON).body("{\"userId\":\"" + user + "\",\"event\":\"e\"}")
                .when().request(method, path)
                .then().statusCode(405)
                .contentType(ContentType.JSON)
                .header("Allow", "POST")
                .body("success", equalTo(false))
                .body("error", equalTo("method_not_allowed"))
                .body("field", equalTo("method"))
                .body("reason", containsString(method))
                .body("reason", containsString(path));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"POST, /v1/", "POST, /v1", "POST, /v1/track/extra", "GET, /v1/track/extra", "POST, /v2/track",
            "GET, /nowhere", "DELETE, /v1/shout"})
    void anUnknownPathIsA404NamingThePath(String method, String path) {
        given().auth().preemptive().basic("dev-write-key", "")
                .contentType(ContentType.JSON).body("{\"userId\":\"" + user + "\",\"event\":\"e\"}")
                .when().request(method, path)
                .then().statusCode(404)
                .contentType(ContentType.JSON)
                .body("success", equalTo(false))
                .body("error", equalTo("unknown_call"))
                .body("field", equalTo("path"))
                .body("reason", containsString(path));
    }

    @Test
    void quarkusOwnPathsStayQuarkus() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/metrics").then().statusCode(200).body(containsString("http_server_requests"));
        given().when().get("/q/nowhere").then().statusCode(404).body(not(containsString("unknown_call")));
    }

    @Test
    void afterAnUnroutedRequestWithABodyTheConnectionServesTheNextRequest() throws Exception {
        String unrouted = "{\"userId\":\"" + user + "\",\"event\":\"lost\",\"pad\":\"" + "x".repeat(300_000) + "\"}";
        String call = "{\"userId\":\"" + user + "\",\"event\":\"next\"}";
        String answers;
        try (Socket socket = new Socket("127.0.0.1", io.restassured.RestAssured.port)) {
            OutputStream out = socket.getOutputStream();
            out.write((request("/v1/track/extra", unrouted, "keep-alive") + request("/v1/track", call, "close"))
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            answers = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Matcher statuses = Pattern.compile("HTTP/1.1 (\\d{3})").matcher(answers);
        assertThat(statuses.results().map(status -> status.group(1))).as(answers).containsExactly("404", "200");
    }

    /**
     * Headers over Quarkus' 20 KB (or a request line over 4 KB) are refused by Vert.x's HTTP decoder before any route
     * sees the request: a bare 431 (414), as the error table says (Quarkus gives the app no hook on it). Headers within
     * the limit are ingest's to answer.
     */
    @Test
    void headersOrARequestLineOverTheLimitGetVertxsBareAnswerAndWithinItIngestsAnswer() throws Exception {
        String call = "{\"userId\":\"" + user + "\",\"event\":\"headers\"}";
        String within = exchange(request("/v1/track", call, "close", "X-Pad: " + "p".repeat(15_000)));
        assertThat(within).as(within).startsWith("HTTP/1.1 200").contains("{\"success\":true}");

        String over = exchange(request("/v1/track", call, "close", "X-Pad: " + "p".repeat(21_000)));
        assertThat(over).as(over).startsWith("HTTP/1.1 431").containsIgnoringCase("content-length: 0")
                .doesNotContain("{");

        String longLine = exchange(request("/v1/track?pad=" + "p".repeat(5_000), call, "close"));
        // Answered as HTTP/1.0: the request line it could not read named no version.
        assertThat(longLine).as(longLine).startsWith("HTTP/1.0 414").containsIgnoringCase("content-length: 0");
    }

    private static String exchange(String request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", io.restassured.RestAssured.port)) {
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String request(String path, String body, String connection, String header) {
        String request = request(path, body, connection);
        int endOfFirstLine = request.indexOf("\r\n") + 2;
        return request.substring(0, endOfFirstLine) + header + "\r\n" + request.substring(endOfFirstLine);
    }

    private static String request(String path, String body, String connection) {
        return "POST " + path + " HTTP/1.1\r\nHost: ingest\r\nAuthorization: " + RawHttp.basicAuth("dev-write-key")
                + "\r\nContent-Type: application/json\r\nConnection: " + connection
                + "\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }
}
