package io.segflow.trigger.definitions;

import io.segflow.testkit.Ports;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.trigger.TriggerCodec;
import io.segflow.core.trigger.TriggerExpressions;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicWriter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.IOException;
import java.io.Reader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The packaged trigger-function killed with -9 while it delivers a stream of firings, then started again: every
 * firing reaches the receiver (some perhaps twice, with the same webhook-id), none is lost.
 */
class KillNineIT {
    private static final int USERS = 80;

    @Test
    void killedMidStreamAndRestartedItLosesNoFiring() throws Exception {
        String bootstrap = TestServices.kafkaBootstrapServers();
        String redisUrl = TestServices.redisUrl();
        String segment = "kill-" + UUID.randomUUID().toString().substring(0, 8);
        try (WebhookReceiver receiver = WebhookReceiver.start();
             TopicWriter changes = new TopicWriter(bootstrap, Topics.SEGMENT_CHANGES)) {
            define(redisUrl, segment, receiver.url("/kill"));
            // A slow receiver: firings are in flight and waiting when the process dies.
            receiver.slow("/kill", 300);
            int port = freePort();
            Process first = start(bootstrap, redisUrl, port);
            try {
                awaitReady(port, first);
                for (int u = 0; u < USERS; u++) {
                    String user = segment + "-u" + u;
                    changes.send(user, Json.write(new SegmentChange(user, segment, SegmentChange.ENTERED, Instant.now(), 1, "event:m" + u)));
                }
                receiver.await("/kill", 15, Duration.ofSeconds(60));
            } finally {
                first.destroyForcibly(); // SIGKILL: no shutdown hook, no commit, no cleanup
                first.waitFor();
            }
            int delivered = users(receiver).size();
            Process second = start(bootstrap, redisUrl, port);
            try {
                awaitReady(port, second);
                Instant deadline = Instant.now().plusSeconds(90);
                while (users(receiver).size() < USERS && Instant.now().isBefore(deadline)) {
                    Thread.sleep(200);
                }
            } finally {
                second.destroyForcibly();
                second.waitFor();
            }
            assertThat(delivered).as("killed mid-stream").isLessThan(USERS);
            assertThat(users(receiver)).as("every user's firing arrived")
                    .isEqualTo(IntStream.range(0, USERS).mapToObj(u -> segment + "-u" + u).collect(Collectors.toSet()));
            assertThat(receiver.calls("/kill")).allMatch(WebhookReceiver.Call::signed);
        }
    }

    /** Users whose firing the receiver answered with a 2xx. */
    private static Set<String> users(WebhookReceiver receiver) {
        return receiver.calls("/kill").stream().filter(c -> c.status() / 100 == 2)
                .map(c -> Json.read(c.body(), JsonNode.class).at("/data/userId").asText()).collect(Collectors.toSet());
    }

    static void define(String redisUrl, String segment, String url) throws IOException {
        var definition = new TriggerCodec(new TriggerExpressions()).read("kill-nine-" + segment, Json.read("""
                {"when": {"segment": "%s", "change": "entered"},
                 "action": {"type": "webhook", "url": "%s", "secret": "%s"}}""".formatted(segment, url, WebhookReceiver.SECRET),
                JsonNode.class), Instant.now());
        URI redis = URI.create(redisUrl);
        try (Socket socket = new Socket(redis.getHost(), redis.getPort())) {
            command(socket, "HSET", TriggerKeys.DEFINITIONS, definition.id(), TriggerCodec.write(definition));
            command(socket, "INCR", TriggerKeys.REVISION);
        }
    }

    /** One RESP command, as the api-function's client sends it; the one-line answer must not be an error. */
    private static void command(Socket socket, String... arguments) throws IOException {
        StringBuilder resp = new StringBuilder("*" + arguments.length + "\r\n");
        for (String argument : arguments) {
            resp.append('$').append(argument.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(argument).append("\r\n");
        }
        socket.getOutputStream().write(resp.toString().getBytes(StandardCharsets.UTF_8));
        String answer = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (answer == null || answer.startsWith("-")) {
            throw new IOException("Redis answered " + answer);
        }
    }

    private static Process start(String bootstrap, String redisUrl, int port) throws IOException {
        Path log = Files.createTempFile("trigger-function-", ".log");
        ProcessBuilder builder = new ProcessBuilder(packagedCommand())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        builder.environment().put("QUARKUS_REDIS_HOSTS", redisUrl);
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        builder.environment().put("SEGFLOW_INSTANCE_ID", "kill-nine-test");
        return builder.start();
    }

    /**
     * The function as this build packaged it, which target/quarkus-artifact.properties names: the jar, run on this
     * JVM, or with -Pnative the native binary (the native build makes no jar).
     */
    private static List<String> packagedCommand() throws IOException {
        Properties artifact = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("target/quarkus-artifact.properties"))) {
            artifact.load(in);
        }
        String packaged = Path.of("target", artifact.getProperty("path")).toAbsolutePath().toString();
        boolean nativeImage = "native".equals(artifact.getProperty("type"));
        List<String> command = new ArrayList<>();
        command.add(nativeImage ? packaged : ProcessHandle.current().info().command().orElse("java"));
        command.add("-Dquarkus.profile=test");
        // The test profile gives up after 3 s; here firings must outlive the crash and the restart.
        command.add("-D%test.segflow.trigger.deliveries.deadline=10m");
        if (!nativeImage) {
            command.add("-jar");
            command.add(packaged);
        }
        return command;
    }

    private static void awaitReady(int port, Process process) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline) && process.isAlive()) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(200);
        }
        throw new AssertionError("trigger-function did not get ready on port " + port);
    }

    private static int freePort() {
        return Ports.free();
    }
}
