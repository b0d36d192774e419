package io.segflow.api.push;

import static io.restassured.RestAssured.given;
import static io.segflow.api.push.SocketMessages.collector;
import static io.segflow.api.push.SocketMessages.next;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.segflow.api.support.PushTest;
import io.segflow.api.support.TestTokens;
import io.segflow.api.support.UserFixtures;
import io.segflow.core.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

@QuarkusTest
class SegmentSocketTest extends PushTest {

    private URI socket(String user, String token) {
        return URI.create(base.toString().replaceFirst("^http", "ws") + "v1/users/" + user + "/segments/ws?access_token=" + token);
    }

    /** A refused request's answer: what the client sees of it (a null body for an empty one). */
    private record Refusal(int status, String contentType, String wwwAuthenticate, JsonNode body) {
        static Refusal of(Response answer) {
            String body = answer.asString();
            return new Refusal(answer.statusCode(), answer.contentType(), answer.header("WWW-Authenticate"),
                    body.isEmpty() ? null : Json.read(body, JsonNode.class));
        }
    }

    /** The WebSocket handshake as a browser sends it, over plain HTTP: the upgrade's refusal is an HTTP answer. */
    private static Refusal upgrade(String user, RequestSpecification request) {
        return Refusal.of(request.header("Connection", "Upgrade").header("Upgrade", "websocket")
                .header("Sec-WebSocket-Version", "13").header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
                .when().get("/v1/users/{userId}/segments/ws", user));
    }

    private static Refusal stream(String user, RequestSpecification request) {
        return Refusal.of(request.accept("text/event-stream").when().get("/v1/users/{userId}/segments/stream", user));
    }

    /** The upgrade refused as the SSE stream refuses the same request, then what that answer says. */
    private static Refusal refusedAsTheStream(String user, Supplier<RequestSpecification> request) {
        Refusal socket = upgrade(user, request.get());
        assertThat(socket).isEqualTo(stream(user, request.get()));
        assertThat(socket.contentType()).startsWith("application/json");
        assertThat(socket.body().get("success").asBoolean(true)).isFalse();
        return socket;
    }

    @Test
    void anUpgradeWithoutAValidTokenIsA401InJsonWithWwwAuthenticate() {
        String user = "ws-" + UUID.randomUUID();

        Refusal none = refusedAsTheStream(user, () -> given());
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.wwwAuthenticate()).isEqualTo("Bearer");
        assertThat(none.body().get("error").asText()).isEqualTo("unauthorized");
        assertThat(none.body().get("field").asText()).isEqualTo("token");
        assertThat(none.body().get("reason").asText()).isEqualTo("a user token is required: 'Authorization: Bearer <token>' or ?access_token=");

        Refusal garbage = refusedAsTheStream(user, () -> given().queryParam("access_token", "garbage"));
        assertThat(garbage.status()).isEqualTo(401);
        assertThat(garbage.wwwAuthenticate()).isEqualTo("Bearer");
        assertThat(garbage.body().get("field").asText()).isEqualTo("token");
        assertThat(garbage.body().get("reason").asText()).startsWith("token is invalid");

        Refusal basic = refusedAsTheStream(user, () -> given().header("Authorization", "Basic dXNlcjpwYXNz"));
        assertThat(basic.status()).isEqualTo(401);
        assertThat(basic.wwwAuthenticate()).isEqualTo("Bearer");
        assertThat(basic.body().get("reason").asText()).isEqualTo("Authorization must be 'Bearer <token>'");
    }

    @Test
    void anUpgradeWithAnotherUsersTokenIsA403InJson() {
        String user = "ws-" + UUID.randomUUID();

        Refusal other = refusedAsTheStream(user, () -> given().queryParam("access_token", TestTokens.forUser("someone-else")));
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.wwwAuthenticate()).isNull();
        assertThat(other.body().get("error").asText()).isEqualTo("forbidden");
        assertThat(other.body().get("field").asText()).isEqualTo("userId");
        assertThat(other.body().get("reason").asText()).isEqualTo("the token is for another user");
    }

    @Test
    void anUpgradeForAUserIdTooLongIsA400InJson() {
        String user = "ws-" + "x".repeat(300);

        Refusal tooLong = refusedAsTheStream(user, () -> given().queryParam("access_token", TestTokens.forUser(user)));
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.body().get("error").asText()).isEqualTo("invalid_request");
        assertThat(tooLong.body().get("field").asText()).isEqualTo("userId");
        assertThat(tooLong.body().get("reason").asText()).isEqualTo("must be 1 to 256 characters");
    }

    @Test
    void theStateThenEachChange() throws Exception {
        String user = "ws-" + UUID.randomUUID();
        BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            fixtures.store(user, Map.of("vip", Instant.now()), 2);
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(socket(user, TestTokens.forUser(user)), collector(messages)).get(20, TimeUnit.SECONDS);
            try {
                JsonNode state = Json.read(next(messages), JsonNode.class);
                assertThat(state.get("type").asText()).isEqualTo("state");
                assertThat(state.get("version").asLong()).isEqualTo(2);
                assertThat(state.get("segments").get(0).get("id").asText()).isEqualTo("vip");

                fixtures.enter(user, "carts", 3);
                JsonNode change = Json.read(next(messages), JsonNode.class);
                assertThat(change.get("type").asText()).isEqualTo("change");
                assertThat(change.get("segmentId").asText()).isEqualTo("carts");
                assertThat(change.get("version").asLong()).isEqualTo(3);
            } finally {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
            }
        }
    }

    @Test
    void anotherUsersTokenIsRefusedAtTheUpgrade() {
        String user = "ws-" + UUID.randomUUID();
        assertThatThrownBy(() -> HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(socket(user, TestTokens.forUser("someone-else")), collector(new LinkedBlockingQueue<>())).get(20, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(403));
        assertThatThrownBy(() -> HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(socket(user, "garbage"), collector(new LinkedBlockingQueue<>())).get(20, TimeUnit.SECONDS))
                .cause().satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(401));
    }
}
