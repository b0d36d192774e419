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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * function) and two seconds' more, without a gap; the function's metrics are scraped every 15 s, as Prometheus would.
 * Latency is the receiver's arrival time minus the change's {@code at} (set when the record is written); also printed:
 * the function's CPU and its {@code segflow_trigger_stage_seconds} over the changes after the warm-up, and the Redis
 * AOF rewrites that started meanwhile. {@code KAFKA_BOOTSTRAP_SERVERS} and {@code REDIS_URL} point it at a broker
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
            Arrivals arrivals = new Arrivals(segment + "-u", changes);
            receiver.tap(arrivals::add);
            int port = 18_000 + (int) (Math.random() * 2_000);
            Path log = Files.createTempFile("trigger-bench-", ".log");
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    // A fixed heap: left to size it, G1 kept it near 100 MB and ran a marking cycle every other collection.
                    "-Xms512m", "-Xmx512m"));
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
                // Scraped every 15 s, as Prometheus would: a function's first scrapes run its metrics code cold, and
                // one during the measured changes made their first seconds several times slower than the rest.
                ScheduledExecutorService prometheus = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread thread = new Thread(r, "scrape");
                    thread.setDaemon(true);
                    return thread;
                });
                prometheus.scheduleAtFixedRate(() -> stages(port), 0, 15, TimeUnit.SECONDS);
                send(producer, segment, "warm", warmUp, rate);
                // The measured changes follow the warm-up's without a gap (a pause made the function's first seconds
                // after it slower). What the function did so far is read meanwhile, with two seconds of changes more
                // before the measured ones: a scrape of its own takes a core for a moment (counted in CPU and stages).
                Duration cpuBefore = function.info().totalCpuDuration().orElseThrow();
                CompletableFuture<Map<String, double[]>> stagesBefore = CompletableFuture.supplyAsync(() -> stages(port));
                long rewritesBefore = aofRewrites(redis);
                int lead = 2 * rate;
                send(producer, segment, "lead", lead, rate);
                Instant started = Instant.now();
                send(producer, segment, "u", changes, rate);
                receiver.await("/bench", warmUp + lead + changes, Duration.ofSeconds(120));
                long rewrites = aofRewrites(redis) - rewritesBefore;
                Duration cpu = function.info().totalCpuDuration().orElseThrow().minus(cpuBefore);
                List<Long> latencies = arrivals.latencies();
                TreeMap<Long, Long> slowestPerSecond = arrivals.slowestPerSecond(); // a stall shows as a run of seconds
                System.out.printf("  firings received more than once: %d, unsigned: %d%n", arrivals.duplicates(), arrivals.unsigned.get());
                System.out.println("  slowest firing per second of changes (ms): "
                        + slowestPerSecond.values().stream().map(String::valueOf).collect(Collectors.joining(" ")));
                latencies.sort(Long::compare);
                System.out.printf("changes %d at %d/s over %d ms: latency change -> receiver p50 %d ms, p99 %d ms, max %d ms%n",
                        changes, rate, Duration.between(started, Instant.now()).toMillis(), latencies.get(latencies.size() / 2),
                        latencies.get((int) (latencies.size() * 0.99)), latencies.get(latencies.size() - 1));
                System.out.printf("  function CPU %d ms, %.0f µs per firing%n", cpu.toMillis(), cpu.toNanos() / 1000.0 / (lead + changes));
                // Each rewrite forks Redis, which answers nothing while the fork and its first copied pages are made.
                System.out.printf("  Redis AOF rewrites started during the changes: %d%n", rewrites);
                prometheus.shutdownNow();
                printStages(stagesBefore.join(), stages(port));
            } finally {
                function.destroy();
                function.waitFor();
            }
        }
        System.exit(0);
    }

    private static void send(KafkaProducer<String, String> producer, String segment, String prefix, int count, int rate)
            throws InterruptedException {
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
        }
        producer.flush();
        List<Long> ackMillis = new ArrayList<>(acks);
        ackMillis.sort(Long::compare);
        // The broker's share of a firing's latency: from the change's send until Kafka acknowledged it.
        System.out.printf("  %s changes acknowledged by Kafka after p50 %d ms, p99 %d ms%n", prefix, ackMillis.get(ackMillis.size() / 2),
                ackMillis.get((int) (ackMillis.size() * 0.99)));
    }

    /**
     * The measured changes' firings as they arrive, in arrays by the user's number: nothing kept per call, so that
     * the receiver's collections stay short.
     */
    static final class Arrivals {
        private final String userPrefix;
        private final long[] latencyMillis;
        private final long[] changedAtMillis;
        private final int[] calls;
        private final AtomicInteger unsigned = new AtomicInteger();

        Arrivals(String userPrefix, int changes) {
            this.userPrefix = userPrefix;
            this.latencyMillis = new long[changes];
            this.changedAtMillis = new long[changes];
            this.calls = new int[changes];
        }

        void add(WebhookReceiver.Call call) {
            // The warm-up's calls are read as the measured ones are, so that this code is compiled before them: run
            // cold, it answered the function's first measured calls late, and its endpoint limit held the next ones.
            JsonNode data = Json.read(call.body(), JsonNode.class).get("data");
            String user = data.get("userId").asText();
            Instant at = Instant.parse(data.get("at").asText());
            long latency = Duration.between(at, call.at()).toMillis();
            if (!user.startsWith(userPrefix)) {
                return; // a warm-up firing
            }
            int i = Integer.parseInt(user.substring(userPrefix.length()));
            synchronized (this) {
                if (calls[i]++ == 0) {
                    latencyMillis[i] = latency;
                    changedAtMillis[i] = at.toEpochMilli();
                }
            }
            if (!call.signed()) {
                unsigned.incrementAndGet();
            }
        }

        synchronized List<Long> latencies() {
            List<Long> latencies = new ArrayList<>();
            for (int i = 0; i < calls.length; i++) {
                if (calls[i] > 0) {
                    latencies.add(latencyMillis[i]);
                }
            }
            return latencies;
        }

        /** The slowest firing of each second of changes, by the change's second. */
        synchronized TreeMap<Long, Long> slowestPerSecond() {
            long first = Arrays.stream(changedAtMillis).filter(t -> t > 0).min().orElse(0);
            TreeMap<Long, Long> slowest = new TreeMap<>();
            for (int i = 0; i < calls.length; i++) {
                if (calls[i] > 0) {
                    slowest.merge((changedAtMillis[i] - first) / 1000, latencyMillis[i], Math::max);
                }
            }
            return slowest;
        }

        synchronized long duplicates() {
            return Arrays.stream(calls).filter(n -> n > 1).count();
        }
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
        return Long.parseLong(fields.getOrDefault("aof_rewrites", "0")); // counted when a rewrite starts
    }

    /** The function's {@code segflow_trigger_stage_seconds}: per stage its count and sum (seconds) so far. */
    private static Map<String, double[]> stages(int port) {
        String metrics;
        try {
            metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
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
