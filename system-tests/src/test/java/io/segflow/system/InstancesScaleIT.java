package io.segflow.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.json.Json;
import io.segflow.system.FaultStack.Function;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Two instances of segment-function, trigger-function and api-function on one stack, under a steady load; one of each
 * is stopped (SIGTERM, as a rolling restart does) and started again. The partitions move to the other instances and
 * back: every acknowledged event counts once, each user's change records are a gapless history in version order with
 * a trigger each, and a browser stream of the stopped api reconnects to the other with its {@code Last-Event-ID} and
 * goes on from there to the user's last version.
 */
class InstancesScaleIT {
    private static final Duration READY = Duration.ofSeconds(120);
    private static final List<Function> TWICE = List.of(Function.SEGMENT, Function.TRIGGER, Function.API);

    @Test
    void stoppingOneInstanceOfEachFunctionUnderLoadLosesAndDoublesNothing() throws Exception {
        try (FaultStack stack = FaultStack.start("instances")) {
            List<FunctionProcess> second = new ArrayList<>();
            for (Function function : TWICE) {
                second.add(stack.startAnother(function, "b"));
            }
            FunctionProcess.awaitAllReady(second, READY);
            String otherApi = second.get(2).url();

            // One user's stream, held on the api instance that will be stopped; its events are sent one step at a time.
            String watched = "instances-watched";
            try (SteadyLoad load = stack.load("instances-", 20, 100);
                 ResumableStream stream = ResumableStream.open(stack.url(Function.API), watched, token(stack, watched))) {
                ticks(stack, watched, 5); // enters ticks-5: version 1
                await().atMost(READY).until(() -> stream.lastId() != null && stream.lastId() == 1);
                for (Function function : TWICE) {
                    stack.stop(function);
                }
                stream.reconnect(otherApi);
                ticks(stack, watched, 20); // enters ticks-10-to-25 at 10 (version 2), leaves it at 25 (version 3)
                await().atMost(READY).until(() -> load.deliveredCount() > 600);
                for (Function function : TWICE) {
                    stack.startAgain(function);
                }
                stack.awaitAllReady();
                long afterRestart = load.deliveredCount();
                await().atMost(READY).until(() -> load.deliveredCount() > afterRestart + 300);
                load.stop();
                ExactCounts.awaitProcessed(stack, load);
                ExactCounts.assertExact(stack, load);
                ExactCounts.assertApiReadsStoredMemberships(stack, load);

                assertThat(version(stack, watched)).as("the watched user's version").isEqualTo(3);
                await().atMost(READY).until(() -> stream.lastId() != null && stream.lastId() == 3);
                List<Long> resumed = stream.received().stream().map(ResumableStream.Received::id).filter(id -> id > 1).toList();
                assertThat(resumed).as("versions sent after the reconnect with Last-Event-ID 1").isSorted().doesNotHaveDuplicates();
            }
        }
    }

    private static String token(FaultStack stack, String user) throws Exception {
        return Json.read(post(stack.url(Function.API) + "/v1/tokens", "{\"userId\":\"" + user + "\"}"), JsonNode.class)
                .get("token").asText();
    }

    private static long version(FaultStack stack, String user) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpRequest read = HttpRequest.newBuilder(URI.create(stack.url(Function.API) + "/v1/users/" + user + "/segments"))
                    .header("Authorization", "Bearer " + FaultStack.SERVER_KEY).build();
            return Json.read(http.send(read, HttpResponse.BodyHandlers.ofString()).body(), JsonNode.class).get("version").asLong();
        }
    }

    /** {@code count} tick events of one user in one batch, sent until ingest answers 200. */
    private static void ticks(FaultStack stack, String user, int count) throws Exception {
        StringBuilder batch = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < count; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"event\":\"").append(SteadyLoad.EVENT)
                    .append("\",\"userId\":\"").append(user).append("\",\"messageId\":\"").append(UUID.randomUUID()).append("\"}");
        }
        String authorization = "Basic " + Base64.getEncoder().encodeToString((FaultStack.WRITE_KEY + ":").getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(stack.url(Function.INGEST) + "/v1/batch"))
                .header("Authorization", authorization).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(batch.append("]}").toString())).build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            await().atMost(READY).until(() -> http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        }
    }

    private static String post(String url, String body) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + FaultStack.ADMIN_KEY)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("POST %s: %s", url, response.body()).isEqualTo(200);
            return response.body();
        }
    }
}
