package io.segflow.api.push;

import static io.segflow.api.push.SocketMessages.collector;
import static io.segflow.api.push.SocketMessages.next;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
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
import org.junit.jupiter.api.Test;

@QuarkusTest
class SegmentSocketTest extends PushTest {

    private URI socket(String user, String token) {
        return URI.create(base.toString().replaceFirst("^http", "ws") + "v1/users/" + user + "/segments/ws?access_token=" + token);
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
