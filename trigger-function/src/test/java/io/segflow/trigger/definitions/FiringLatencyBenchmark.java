package io.segflow.trigger.definitions;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.testkit.RespClient;
import io.segflow.testkit.TestServices;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Change record to webhook receiver: one packaged trigger-function (prod profile, internal addresses allowed) on the
 * testkit's Kafka and Redis, one segment trigger with a webhook to a local receiver, {@code changes} entered-changes
 * of distinct users written at {@code rate} per second after {@code warm-up} changes at that rate (a JIT-compiled
 * function). Latency is the receiver's arrival time minus the change's {@code at} (set when the record is written);
 * also printed: the function's CPU and its {@code segflow_trigger_stage_seconds} over the measured changes, and the
 * Redis AOF rewrites that started meanwhile. {@code KAFKA_BOOTSTRAP_SERVERS} and {@code REDIS_URL} point it at a broker
 * and Redis of their own (the local stack's): the testkit's broker would share this JVM's heap and pauses with the
 * receiver. Not run by the build:
 *
 * <pre>
 * ./mvnw -o -q -pl trigger-function package -DskipTests
 * ./mvnw -o -q -pl trigger-function dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
 * cd trigger-function &amp;&amp; java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
 *   io.segflow.trigger.definitions.FiringLatencyBenchmark [changes 10000] [rate 1000] [warm-up changes 30000]
 * </pre>
 */
public final class FiringLatencyBenchmark {
    public static void main(String[] args) throws Exception {
        int changes = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        int warmUp = args.length > 2 ? Integer.parseInt(args[2]) : 30_000;
        String bootstrap = TestServices.kafkaBootstrapServers();
        String redis = TestServices.redisUrl();
        String segment = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        try (WebhookReceiver receiver = WebhookReceiver.start();
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                     ProducerConfig.LINGER_MS_CONFIG, "0", ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            KillNineIT.define(redis, segment, receiver.url("/bench"));
            int port = 18_000 + (int) (Math.random() * 2_000);
            Path log = Files.createTempFile("trigger-bench-", ".log");
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx512m"));
            // Extra options for the function's JVM, e.g. -Dfunction.jvm="-XX:StartFlightRecording=filename=f.jfr"
            command.addAll(List.of(System.getProperty("function.jvm", "").split(" ")).stream().filter(o -> !o.isBlank()).toList());
            command.addAll(List.of("-jar", new File("target/quarkus-app/quarkus-run.jar").getAbsolutePath()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap, "QUARKUS_REDIS_HOSTS", redis,
                    "QUARKUS_HTTP_PORT", Integer.toString(port), "SEGFLOW_TRIGGER_ENDPOINTS_ALLOW_PRIVATE", "true",
                    "QUARKUS_OTEL_SDK_DISABLED", "true"));
            Process function = builder.start();
            System.out.println("trigger-function pid " + function.pid() + ", log " + log);
            try {
                awaitReady(port);
                send(producer, segment, "warm", warmUp, rate);
                receiver.await("/bench", warmUp, Duration.ofSeconds(120));
                Duration cpuBefore = function.info().totalCpuDuration().orElseThrow();
                Map<String, double[]> stagesBefore = stages(port);
                long rewritesBefore = aofRewrites(redis);
                Instant started = Instant.now();
                Map<String, Instant> sentAt = send(producer, segment, "u", changes, rate);
                receiver.await("/bench", warmUp + changes, Duration.ofSeconds(120));
                long rewrites = aofRewrites(redis) - rewritesBefore;
                Duration cpu = function.info().totalCpuDuration().orElseThrow().minus(cpuBefore);
                List<Long> latencies = new ArrayList<>();
                Map<String, Integer> callsPerId = new HashMap<>();
                TreeMap<Long, Long> slowestPerSecond = new TreeMap<>(); // by the change's second: a stall shows as a run
                for (WebhookReceiver.Call call : receiver.calls("/bench")) {
                    JsonNode data = Json.read(call.body(), JsonNode.class).get("data");
                    Instant at = Instant.parse(data.get("at").asText());
                    if (sentAt.containsKey(data.get("userId").asText())) {
                        long latency = Duration.between(at, call.at()).toMillis();
                        latencies.add(latency);
                        callsPerId.merge(call.header("webhook-id"), 1, Integer::sum);
                        slowestPerSecond.merge(Duration.between(started, at).toSeconds(), latency, Math::max);
                        if (latency > 1_000) { // the outliers, each with when its attempt was signed
                            System.out.printf("  slow: %s at %s, signed at %s s, received %s%n", data.get("userId").asText(), at,
                                    call.header("webhook-timestamp"), call.at());
                        }
                    }
                }
                System.out.printf("  firings received more than once: %d%n", callsPerId.values().stream().filter(n -> n > 1).count());
                System.out.println("  slowest firing per second of changes (ms): "
                        + slowestPerSecond.values().stream().map(String::valueOf).collect(Collectors.joining(" ")));
                latencies.sort(Long::compare);
                System.out.printf("changes %d at %d/s over %d ms: latency change -> receiver p50 %d ms, p99 %d ms, max %d ms%n",
                        changes, rate, Duration.between(started, Instant.now()).toMillis(), latencies.get(latencies.size() / 2),
                        latencies.get((int) (latencies.size() * 0.99)), latencies.get(latencies.size() - 1));
                System.out.printf("  function CPU %d ms, %.0f µs per firing%n", cpu.toMillis(), cpu.toNanos() / 1000.0 / changes);
                // Each rewrite forks Redis, which answers nothing while the fork and its first copied pages are made.
                System.out.printf("  Redis AOF rewrites started during the changes: %d%n", rewrites);
                printStages(stagesBefore, stages(port));
            } finally {
                function.destroy();
                function.waitFor();
            }
        }
        System.exit(0);
    }

    private static Map<String, Instant> send(KafkaProducer<String, String> producer, String segment, String prefix, int count, int rate)
            throws InterruptedException {
        Map<String, Instant> sent = new HashMap<>();
        Queue<Long> acks = new ConcurrentLinkedQueue<>();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long due = start + (long) i * 1_000_000_000L / rate;
            long ahead = due - System.nanoTime();
            if (ahead > 0) {
                LockSupport.parkNanos(ahead); // not a spin: the function under test needs the cores
            }
            String user = segment + "-" + prefix + i;
            Instant at = Instant.now();
            long sending = System.nanoTime();
            producer.send(new ProducerRecord<>(Topics.SEGMENT_CHANGES, user,
                    Json.write(new SegmentChange(user, segment, SegmentChange.ENTERED, at, 1, "event:b" + i))),
                    (metadata, e) -> acks.add((System.nanoTime() - sending) / 1_000_000));
            sent.put(user, at);
        }
        producer.flush();
        List<Long> ackMillis = new ArrayList<>(acks);
        ackMillis.sort(Long::compare);
        // The broker's share of a firing's latency: from the change's send until Kafka acknowledged it.
        System.out.printf("  %s changes acknowledged by Kafka after p50 %d ms, p99 %d ms%n", prefix, ackMillis.get(ackMillis.size() / 2),
                ackMillis.get((int) (ackMillis.size() * 0.99)));
        return sent;
    }

    /** Redis's AOF rewrites so far, finished or running ({@code INFO persistence}); 0 without AOF. */
    private static long aofRewrites(String redisUrl) {
        Map<String, String> fields = new HashMap<>();
        try (RespClient redis = new RespClient(URI.create(redisUrl).getPort())) {
            for (String line : redis.text("INFO", "persistence").split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    fields.put(line.substring(0, colon), line.substring(colon + 1));
                }
            }
        }
        return Long.parseLong(fields.getOrDefault("aof_rewrites", "0")) + ("1".equals(fields.get("aof_rewrite_in_progress")) ? 1 : 0);
    }

    /** The function's {@code segflow_trigger_stage_seconds}: per stage its count and sum (seconds) so far. */
    private static Map<String, double[]> stages(int port) throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<String, double[]> stages = new TreeMap<>();
        Matcher line = Pattern.compile("(?m)^segflow_trigger_stage_seconds_(count|sum)\\{.*stage=\"(\\w+)\".*} (\\S+)$").matcher(metrics);
        while (line.find()) {
            stages.computeIfAbsent(line.group(2), k -> new double[2])[line.group(1).equals("count") ? 0 : 1] = Double.parseDouble(line.group(3));
        }
        // Failed and retried attempts: listed as stages with a count and no time.
        Matcher counter = Pattern.compile("(?m)^segflow_trigger_(failed|retried)_total\\{.*} (\\S+)$").matcher(metrics);
        while (counter.find()) {
            stages.computeIfAbsent(counter.group(1), k -> new double[2])[0] += Double.parseDouble(counter.group(2));
        }
        return stages;
    }

    /** Per stage, how often and how long on average while the measured changes ran. */
    private static void printStages(Map<String, double[]> before, Map<String, double[]> after) {
        after.forEach((stage, total) -> {
            double[] earlier = before.getOrDefault(stage, new double[2]);
            double count = total[0] - earlier[0];
            System.out.printf("  stage %-8s %7.0f times, mean %8.2f ms%n", stage, count, count == 0 ? 0 : 1000 * (total[1] - earlier[1]) / count);
        });
    }

    private static void awaitReady(int port) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("trigger-function did not get ready");
    }
}
