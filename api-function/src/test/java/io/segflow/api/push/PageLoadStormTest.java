package io.segflow.api.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.api.support.FirstSseEvent;
import io.segflow.api.support.FirstSseEvent.Answer;
import io.segflow.api.support.PushTest;
import io.segflow.api.support.TestTokens;
import io.segflow.api.support.UserFixtures;
import io.segflow.core.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Every page of a site reloading at once (after a deploy): thousands of reads and streams in the same second. */
@QuarkusTest
class PageLoadStormTest extends PushTest {
    private static final int STREAMS = 2_000;
    private static final int READS = 1_000;

    @Test
    void twoThousandStreamsOpeningAtOnceAllGetTheirState() throws Exception {
        List<String> users = storedUsers(STREAMS);
        int openBefore = hub.openConnections();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try {
            List<CompletableFuture<Answer>> streams = new ArrayList<>();
            for (String user : users) {
                streams.add(FirstSseEvent.open(http, URI.create(base + "v1/users/" + user + "/segments/stream"),
                        Map.of("Authorization", "Bearer " + TestTokens.forUser(user))));
            }
            CompletableFuture.allOf(streams.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            for (int i = 0; i < STREAMS; i++) {
                Answer answer = streams.get(i).join();
                assertThat(answer.status()).as("stream %d: %s", i, answer.text()).isEqualTo(200);
                assertThat(answer.text()).startsWith("id:1.bec09dce\nevent:state\n");
                JsonNode state = Json.read(answer.text().substring(answer.text().indexOf("data:") + 5), JsonNode.class);
                assertThat(state.get("userId").asText()).isEqualTo(users.get(i));
                assertThat(state.get("segments").get(0).get("id").asText()).isEqualTo("vip");
            }
        } finally {
            http.shutdownNow();
        }
        // The streams hung up: the next heartbeats find them gone, so the next test starts without them.
        await().atMost(Duration.ofSeconds(60)).until(() -> hub.openConnections() <= openBefore);
    }

    @Test
    void aThousandConcurrentReadsAreAllAnswered() throws Exception {
        List<String> users = storedUsers(READS);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try {
            List<CompletableFuture<HttpResponse<String>>> reads = users.stream()
                    .map(user -> http.sendAsync(HttpRequest.newBuilder(URI.create(base + "v1/users/" + user + "/segments"))
                            .header("Authorization", "Bearer " + TestTokens.forUser(user)).build(), HttpResponse.BodyHandlers.ofString()))
                    .toList();
            CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            for (CompletableFuture<HttpResponse<String>> read : reads) {
                assertThat(read.join().statusCode()).as(read.join().body()).isEqualTo(200);
            }
        } finally {
            http.shutdownNow();
        }
    }

    private List<String> storedUsers(int count) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<String> users = IntStream.range(0, count).mapToObj(i -> "storm-" + run + "-" + i).toList();
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            users.forEach(user -> fixtures.store(user, Map.of("vip", Instant.now()), 1));
        }
        return users;
    }
}
