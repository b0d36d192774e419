package io.segflow.trigger.definitions;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.trigger.TriggerCodec;
import io.segflow.core.trigger.TriggerExpressions;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.testkit.RespClient;
import io.segflow.testkit.TopicWriter;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The function as this build packaged it, run as a process of its own against the test JVM's Kafka and Redis, as a
 * pod runs it: for the tests that kill or stop it. Its output goes to a log file the failures can show.
 */
record PackagedTriggerFunction(Process process, Path log) {

    /** The changes topic of a run that has its own ({@link #ownTopicAndGroups}). */
    static String changesTopic(String run) {
        return Topics.SEGMENT_CHANGES + "." + run;
    }

    /**
     * Settings for a function that reads {@link #changesTopic} in consumer groups named after the run: no other
     * test's changes, and no member of another test's process that died holding partitions of the group until its
     * session times out. Then {@code more}.
     */
    static List<String> ownTopicAndGroups(String run, String... more) {
        List<String> settings = new ArrayList<>(List.of(
                "-Dmp.messaging.incoming.segment-changes.topic=" + changesTopic(run),
                "-Dmp.messaging.incoming.segment-changes.group.id=" + run,
                "-Dmp.messaging.incoming.events.group.id=" + run + "-events"));
        settings.addAll(List.of(more));
        return settings;
    }

    /**
     * Started with the test profile and {@code settings} ({@code -D...} options, e.g. {@code -D%test.<key>=<value>}:
     * the test profile's own values come before unprofiled ones), as static member {@code instanceId}.
     */
    static PackagedTriggerFunction start(String bootstrap, String redisUrl, int port, String instanceId, List<String> settings)
            throws IOException {
        Path log = Files.createTempFile("trigger-function-", ".log");
        ProcessBuilder builder = new ProcessBuilder(packagedCommand(settings))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        builder.environment().put("QUARKUS_REDIS_HOSTS", redisUrl);
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        builder.environment().put("SEGFLOW_INSTANCE_ID", instanceId);
        return new PackagedTriggerFunction(builder.start(), log);
    }

    /**
     * The command target/quarkus-artifact.properties names: the jar, run on this JVM, or with -Pnative the native
     * binary (the native build makes no jar).
     */
    private static List<String> packagedCommand(List<String> settings) throws IOException {
        Properties artifact = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("target/quarkus-artifact.properties"))) {
            artifact.load(in);
        }
        String packaged = Path.of("target", artifact.getProperty("path")).toAbsolutePath().toString();
        boolean nativeImage = "native".equals(artifact.getProperty("type"));
        List<String> command = new ArrayList<>();
        command.add(nativeImage ? packaged : ProcessHandle.current().info().command().orElse("java"));
        command.add("-Dquarkus.profile=test");
        command.addAll(settings);
        if (!nativeImage) {
            command.add("-jar");
            command.add(packaged);
        }
        return command;
    }

    void awaitReady(int port) throws Exception {
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
        throw new AssertionError("trigger-function did not get ready on port " + port + ":\n" + logTail());
    }

    /** SIGKILL, and the wait for the end: no shutdown hook, no commit, no cleanup. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stores a trigger definition as api-function does, and bumps the revision the functions watch. */
    static void define(String redisUrl, String id, String json) {
        var definition = new TriggerCodec(new TriggerExpressions()).read(id, Json.read(json, JsonNode.class), Instant.now());
        try (RespClient redis = new RespClient(URI.create(redisUrl).getPort())) {
            redis.call("HSET", TriggerKeys.DEFINITIONS, definition.id(), TriggerCodec.write(definition));
            redis.call("INCR", TriggerKeys.REVISION);
        }
    }

    /**
     * A webhook trigger on the entries of the segment named like the trigger, after {@code delay} ({@code "2s"}; null:
     * none), calling {@code url} signed with {@link WebhookReceiver#SECRET}.
     */
    static void defineEntryWebhook(String redisUrl, String id, String url, String delay) {
        define(redisUrl, id, """
                {"when": {"segment": "%s", "change": "entered"}, %s
                 "action": {"type": "webhook", "url": "%s", "secret": "%s"}}""".formatted(
                id, delay == null ? "" : "\"delay\": \"" + delay + "\",", url, WebhookReceiver.SECRET));
    }

    /** The users {@link #enter} makes enter the segment {@code id}: {@code <id>-u0} to {@code <id>-u<count - 1>}. */
    static Set<String> users(String id, int count) {
        return IntStream.range(0, count).mapToObj(u -> id + "-u" + u).collect(Collectors.toSet());
    }

    /** Each of {@link #users} enters the segment {@code id} now: a change record of version 1 each. */
    static void enter(TopicWriter changes, String id, int count) {
        for (String user : users(id, count)) {
            changes.send(user, Json.write(new SegmentChange(user, id, SegmentChange.ENTERED, Instant.now(), 1, "event:" + user)));
        }
    }
}
