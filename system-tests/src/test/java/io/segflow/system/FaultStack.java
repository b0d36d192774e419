package io.segflow.system;

import io.segflow.testkit.Ports;
import static org.awaitility.Awaitility.await;

import io.segflow.core.Topics;
import io.segflow.testkit.RedisProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The four packaged functions on a Kafka and a Redis of their own (both separate processes, Redis with its
 * append-only file on), so that a test can pause, kill and restart any one of the six. Data and logs live in
 * {@code system-tests/target/fault-stacks/<name>}; the functions log to {@code target/function-logs/<name>-*}.
 */
final class FaultStack implements AutoCloseable {
    static final String WRITE_KEY = "fault-write-key";
    static final String ADMIN_KEY = "fault-admin-key";
    /** Signs user tokens; without it the api refuses an admin key this short (the token key would derive from it). */
    static final String TOKENS_SECRET = "fault-tokens-secret-0123456789abcdef";
    static final String SERVER_KEY = "fault-server-key-0123456789";
    static final int EVENT_PARTITIONS = 6;
    private static final Duration READY = Duration.ofSeconds(120);
    /** How often trigger-function commits its offsets here: its default, set here as the drills' waits count on it. */
    static final Duration TRIGGER_COMMIT_INTERVAL = Duration.ofSeconds(1);

    enum Function {
        INGEST("ingest-function"), SEGMENT("segment-function"), TRIGGER("trigger-function"), API("api-function");

        final String module;

        Function(String module) {
            this.module = module;
        }
    }

    private final String name;
    private final Path dir;
    private final KafkaProcess kafka;
    private final int redisPort;
    private final GroupOffsets offsets;
    private final Map<Function, FunctionProcess> functions = new EnumMap<>(Function.class);
    /** Further instances ({@link #startAnother}), closed with the rest. */
    private final List<FunctionProcess> others = new ArrayList<>();
    private RedisProcess redis;
    private EngineState state;

    private FaultStack(String name, Path dir, KafkaProcess kafka, RedisProcess redis) {
        this.name = name;
        this.dir = dir;
        this.kafka = kafka;
        this.redis = redis;
        this.redisPort = redis.port();
        this.offsets = new GroupOffsets(kafka.bootstrapServers());
    }

    /** Kafka and Redis, the topics, the four functions (started in parallel), and {@link TickSegments} defined. */
    static FaultStack start(String name) throws Exception {
        Path dir = FunctionProcess.root().resolve("system-tests/target/fault-stacks").resolve(name);
        deleteRecursively(dir);
        KafkaProcess kafka = KafkaProcess.start(dir.resolve("kafka"));
        FaultStack stack = new FaultStack(name, dir, kafka, RedisProcess.startAppendOnly(freePort(), dir.resolve("redis")));
        try {
            stack.createTopics();
            stack.state = new EngineState(stack.redisUrl());
            for (Function function : Function.values()) {
                stack.functions.put(function, FunctionProcess.start(function.module, name + "-" + function.module, freePort(), stack.env(function)));
            }
            stack.awaitAllReady();
            TickSegments.ALL.forEach(segment -> stack.defineSegment(segment.id(), segment.condition()));
            return stack;
        } catch (Exception | AssertionError e) {
            stack.close();
            throw e;
        }
    }

    private void createTopics() {
        for (Map.Entry<String, Integer> topic : Map.of(Topics.EVENTS, EVENT_PARTITIONS, Topics.SEGMENT_CHANGES, 3, Topics.TRIGGERS, 3).entrySet()) {
            // The broker may still be electing itself: try until it takes the topic.
            await("topic " + topic.getKey() + " (broker log: " + kafka.log() + ")").atMost(READY).pollInterval(Duration.ofMillis(500))
                    .until(() -> created(topic.getKey(), topic.getValue()));
        }
    }

    private boolean created(String topic, int partitions) {
        try {
            offsets.createTopic(topic, partitions);
            return true;
        } catch (IllegalStateException e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof TopicExistsException) {
                    return true; // an earlier try got through after all
                }
            }
            return false;
        }
    }

    private Map<String, String> env(Function function) {
        Map<String, String> env = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(), "QUARKUS_REDIS_HOSTS", redisUrl()));
        switch (function) {
            case INGEST -> env.put("SEGFLOW_WRITE_KEYS", "fault:" + WRITE_KEY);
            // As in production: a restarted instance rejoins as the same static member, with no rebalance.
            case SEGMENT -> env.put("SEGFLOW_INSTANCE_ID", name + "-segment");
            case TRIGGER -> {
                env.put("SEGFLOW_INSTANCE_ID", name + "-trigger");
                env.put("QUARKUS_CONFIG_LOCATIONS", triggerSettings().toString());
            }
            case API -> {
                env.put("SEGFLOW_ADMIN_KEY", ADMIN_KEY);
                env.put("SEGFLOW_TOKENS_SECRET", TOKENS_SECRET);
                env.put("SEGFLOW_SERVER_KEYS", SERVER_KEY);
            }
        }
        return env;
    }

    /**
     * Every drill waits for trigger-function's committed offsets ({@link Recovery}): committed every second, that wait
     * stays short whatever the function's default becomes. In a file, as the channel's name has a dash that an
     * environment variable cannot carry.
     */
    private Path triggerSettings() {
        Path settings = dir.resolve("trigger-function.properties");
        try {
            Files.createDirectories(dir);
            Files.writeString(settings, "mp.messaging.incoming.segment-changes.auto.commit.interval.ms=" + TRIGGER_COMMIT_INTERVAL.toMillis() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return settings;
    }

    void awaitAllReady() {
        FunctionProcess.awaitAllReady(functions.values(), READY);
    }

    private void defineSegment(String id, String condition) {
        HttpRequest put = HttpRequest.newBuilder(URI.create(url(Function.API) + "/v1/segments/" + id))
                .header("Authorization", "Bearer " + ADMIN_KEY).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + id + "\",\"condition\":\"" + condition.replace("\"", "\\\"") + "\"}"))
                .build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(put, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("PUT segment " + id + " answered " + response.statusCode() + ": " + response.body());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String name() {
        return name;
    }

    String kafkaBootstrapServers() {
        return kafka.bootstrapServers();
    }

    String redisUrl() {
        return "redis://127.0.0.1:" + redisPort;
    }

    String url(Function function) {
        return functions.get(function).url();
    }

    FunctionProcess function(Function function) {
        return functions.get(function);
    }

    GroupOffsets offsets() {
        return offsets;
    }

    EngineState state() {
        return state;
    }

    SteadyLoad load(String userPrefix, int users, int eventsPerSecond) {
        return SteadyLoad.start(url(Function.INGEST), WRITE_KEY, userPrefix, users, eventsPerSecond);
    }

    ApiReads apiReads(List<String> users) {
        return new ApiReads(url(Function.API), SERVER_KEY, users);
    }

    /** SIGKILL, then the same function started again on its port with its environment (not awaited: it may not get ready). */
    void killAndRestart(Function function) throws Exception {
        FunctionProcess killed = functions.get(function);
        killed.kill();
        functions.put(function, killed.restart());
    }

    /** Another instance of a function on this stack, with an instance id of its own; not awaited, closed with the stack. */
    FunctionProcess startAnother(Function function, String suffix) throws IOException {
        Map<String, String> env = env(function);
        env.computeIfPresent("SEGFLOW_INSTANCE_ID", (key, id) -> id + "-" + suffix);
        FunctionProcess another = FunctionProcess.start(function.module, name + "-" + function.module + "-" + suffix, freePort(), env);
        others.add(another);
        return another;
    }

    /** SIGTERM, as a rolling restart stops a pod, and the wait for the process to end. */
    void stop(Function function) throws InterruptedException {
        functions.get(function).close();
    }

    /** A stopped or killed function started again on its port with its environment (not awaited). */
    void startAgain(Function function) throws IOException {
        functions.put(function, functions.get(function).restart());
    }

    void pauseRedis() throws Exception {
        Signals.stop(redis.pid());
    }

    void resumeRedis() throws Exception {
        Signals.resume(redis.pid());
    }

    void killRedis() throws Exception {
        long pid = redis.pid();
        Signals.kill(pid);
        ProcessHandle.of(pid).ifPresent(process -> process.onExit().join());
    }

    /** On the same port and directory: it reloads its append-only file. */
    void startRedisAgain() {
        redis = RedisProcess.startAppendOnly(redisPort, dir.resolve("redis"));
    }

    void pauseKafka() throws Exception {
        Signals.stop(kafka.pid());
    }

    void resumeKafka() throws Exception {
        Signals.resume(kafka.pid());
    }

    void killKafka() throws Exception {
        kafka.kill();
    }

    void startKafkaAgain() throws Exception {
        kafka.startAgain();
    }

    /** Logs to look at when a test fails. */
    String evidence() {
        return "(logs: " + FunctionProcess.root().resolve("system-tests/target/function-logs") + "/" + name + "-*, " + kafka.log()
                + ", " + dir.resolve("redis/redis.log") + ")";
    }

    @Override
    public void close() throws Exception {
        List<FunctionProcess> all = new ArrayList<>(functions.values());
        all.addAll(others);
        FunctionProcess.killAll(all);
        if (state != null) {
            state.close();
        }
        offsets.close();
        kafka.close();
        redis.close();
    }

    private static int freePort() {
        return Ports.free();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }
}
