package io.segflow.api.bench;

import io.segflow.testkit.Ports;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.Memberships;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.state.Partitioning;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import io.segflow.testkit.RespClient;
import io.segflow.testkit.TestServices;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Push latency and connection capacity of one packaged api-function (prod profile, tokens required), on a real
 * Kafka and a real redis-server: the testkit's, or a running broker and Redis named by {@code KAFKA_BOOTSTRAP_SERVERS}
 * and {@code REDIS_URL} (the testkit's broker runs in this JVM and shares its pauses). Opens {@code connections} SSE
 * streams (one user each), then publishes {@code changes} segment changes to the connected users in turns (a shuffled
 * order), the user's record written to Redis first as segment-function does, and measures from just before the
 * change is sent to the moment the SSE event arrives. With {@code elsewhere} > 0, each slot also sends that many
 * changes of users without a stream on this instance (as every instance reads every change), to weigh the cost of
 * the changes it only reads.
 * Run: see docs/benchmarks.md ("Push").
 */
public final class PushBenchmark {
    private static final String SECRET = "bench-secret-0123456789-0123456789-abcdef";
    /** The partition count of segflow.events the users' records are laid out for, as segment-function records it. */
    private static final int PARTITIONS = 3;

    public static void main(String[] args) throws Exception {
        int connections = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int changes = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        int perSecond = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int warmUp = args.length > 3 ? Integer.parseInt(args[3]) : Math.min(changes, 500);
        int elsewhere = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        Path jar = Path.of(args.length > 5 ? args[5] : "target/quarkus-app/quarkus-run.jar");

        String bootstrap = TestServices.kafkaBootstrapServers();
        String redisUrl = TestServices.redisUrl();
        int port = freePort();
        Process api = startApi(jar, port, bootstrap, redisUrl);
        try {
            awaitReady(port);
            run(port, api.pid(), bootstrap, URI.create(redisUrl).getPort(), connections, changes, perSecond, warmUp, elsewhere);
        } finally {
            api.destroy();
            api.waitFor(20, TimeUnit.SECONDS);
        }
        System.exit(0);
    }

    private static void run(int port, long apiPid, String bootstrap, int redisPort, int connections, int changes, int perSecond,
                            int warmUp, int elsewhere) throws Exception {
        long rssBefore = rssKb(apiPid);
        try (RespClient redis = new RespClient(redisPort)) {
            // A previous run's records have higher versions: the streams would take this run's changes as old.
            for (int i = 0; i < connections; i++) {
                String user = "bench-" + i;
                redis.call("DEL", RedisKeys.user(Partitioning.partitionOf(user, PARTITIONS), user));
            }
        }
        Vertx vertx = Vertx.vertx();
        HttpClient http = vertx.createHttpClient(new HttpClientOptions().setDefaultPort(port).setDefaultHost("127.0.0.1")
                .setKeepAlive(true).setIdleTimeout(0), new PoolOptions().setHttp1MaxSize(connections + 10));
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        List<Long> latenciesMicros = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger received = new AtomicInteger();
        CountDownLatch opened = new CountDownLatch(connections);
        long openStart = System.nanoTime();
        for (int i = 0; i < connections; i++) {
            String user = "bench-" + i;
            String token = token(user);
            http.request(new RequestOptions().setMethod(HttpMethod.GET)
                            .setURI("/v1/users/" + user + "/segments/stream?access_token=" + token)
                            .addHeader("Accept", "text/event-stream"))
                    .compose(request -> request.send())
                    .onSuccess(response -> {
                        response.handler(chunk -> {
                            String text = chunk.toString(StandardCharsets.UTF_8);
                            if (text.contains("event:state") || text.contains("event: state")) {
                                opened.countDown();
                            }
                            if (text.contains("event:change") || text.contains("event: change")) {
                                Long start = sentAt.remove(user);
                                if (start != null) {
                                    latenciesMicros.add((System.nanoTime() - start) / 1_000);
                                    received.incrementAndGet();
                                }
                            }
                        });
                    })
                    .onFailure(e -> System.err.println("connection failed: " + e.getMessage()));
            if (i % 500 == 499) {
                Thread.sleep(50); // do not flood the accept queue
            }
        }
        if (!opened.await(5, TimeUnit.MINUTES)) {
            System.out.printf("only %d of %d streams opened%n", connections - opened.getCount(), connections);
        }
        double openSeconds = (System.nanoTime() - openStart) / 1e9;
        Thread.sleep(2_000);
        gc(apiPid);
        long rssOpen = rssKb(apiPid);
        String heap = heapUsed(port);

        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
             RespClient redis = new RespClient(redisPort)) {
            List<Integer> shuffled = new ArrayList<>(java.util.stream.IntStream.range(0, connections).boxed().toList());
            java.util.Collections.shuffle(shuffled, new java.util.Random(42));
            int[] order = shuffled.stream().mapToInt(Integer::intValue).toArray();
            long[] versions = new long[connections];
            List<Map<String, Instant>> memberships = new ArrayList<>(connections);
            for (int i = 0; i < connections; i++) {
                memberships.add(new java.util.HashMap<>());
            }
            redis.call("SET", RedisKeys.EVENT_PARTITIONS, Integer.toString(PARTITIONS));
            long intervalNanos = 1_000_000_000L / perSecond;
            ProcessHandle apiProcess = ProcessHandle.of(apiPid).orElseThrow();
            // A warm-up round first (JIT, connection pools), not measured: the figures are of a running instance.
            for (int phase = 0; phase < 2; phase++) {
            int count = phase == 0 ? warmUp : changes;
            long next = System.nanoTime();
            Duration cpuBefore = apiProcess.info().totalCpuDuration().orElseThrow();
            int sent = 0;
            int inFlight = 0;
            long sentElsewhere = 0;
            // Every slot of the rate is used: users take turns, and a user whose previous change has not arrived yet
            // lets its slot pass (counted), so the window lasts count / rate seconds whatever the latency.
            for (int n = 0; n < count; n++) {
                int i = order[n % connections];
                String user = "bench-" + i;
                if (sentAt.containsKey(user)) {
                    inFlight++;
                } else {
                    long version = ++versions[i];
                    String segment = "seg-" + version;
                    memberships.get(i).put(segment, Instant.now());
                    UserRecord record = UserRecord.empty(user);
                    record.memberships(new Memberships(memberships.get(i), version));
                    redis.call("SET", RedisKeys.user(Partitioning.partitionOf(user, PARTITIONS), user), UserRecordCodec.encode(record));
                    String value = Json.write(new SegmentChange(user, segment, SegmentChange.ENTERED, Instant.now(), version, "bench"));
                    sentAt.put(user, System.nanoTime());
                    producer.send(new ProducerRecord<>(Topics.SEGMENT_CHANGES, user, value));
                    sent++;
                }
                // Changes of users streaming from other instances: every instance reads every change.
                for (int k = 0; k < elsewhere; k++, sentElsewhere++) {
                    String other = "elsewhere-" + (sentElsewhere % 100_000);
                    producer.send(new ProducerRecord<>(Topics.SEGMENT_CHANGES, other, Json.write(new SegmentChange(
                            other, "seg-x", SegmentChange.ENTERED, Instant.now(), sentElsewhere + 1, "bench"))));
                }
                next += intervalNanos;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
            producer.flush();
            if (phase == 1) {
                Thread.sleep(3_000); // the last changes pushed
                // The push path's CPU, idle streams' upkeep included: the change consumed, checked, written as an event.
                Duration cpu = apiProcess.info().totalCpuDuration().orElseThrow().minus(cpuBefore);
                System.out.printf("api-function CPU over the measured changes: %d ms, %.1f µs per change pushed (%d pushed, "
                        + "%d slots passed with the user's change in flight), %.1f µs per change consumed (%d of users "
                        + "without a stream here)%n", cpu.toMillis(), cpu.toNanos() / 1000.0 / Math.max(1, sent), sent,
                        inFlight, cpu.toNanos() / 1000.0 / Math.max(1, sent + sentElsewhere), sentElsewhere);
            }
            if (phase == 0) {
                Thread.sleep(3_000);
                latenciesMicros.clear();
                sentAt.clear();
            }
            }
        }
        Thread.sleep(3_000);
        long[] sorted = latenciesMicros.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("connections requested %d, open %d (in %.1f s)%n", connections, connections - opened.getCount(), openSeconds);
        System.out.printf("api-function RSS: %d MB before, %d MB with the streams open (after a full GC); %s%n",
                rssBefore / 1024, rssOpen / 1024, heap);
        System.out.printf("changes delivered %d (of %d sent, %d not received)%n", sorted.length, sorted.length + sentAt.size(), sentAt.size());
        if (sorted.length > 0) {
            System.out.printf("latency publish -> SSE client: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    pct(sorted, 50), pct(sorted, 90), pct(sorted, 99), sorted[sorted.length - 1] / 1000.0);
        }
        http.close();
        vertx.close();
    }

    private static double pct(long[] sorted, int percentile) {
        int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, index)] / 1000.0;
    }

    private static String token(String user) {
        Instant now = Instant.now();
        return Jwt.subject(user).issuedAt(now).expiresAt(now.plusSeconds(3_600)).jws().algorithm(SignatureAlgorithm.HS256)
                .sign(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    }

    private static Process startApi(Path jar, int port, String bootstrap, String redisUrl) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx1g"));
        // Extra options for the api's JVM, e.g. a profiler: -Dapi.jvm="-agentpath:...=start,event=cpu,file=..."
        command.addAll(List.of(System.getProperty("api.jvm", "").split(" ")).stream().filter(o -> !o.isBlank()).toList());
        command.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(Path.of("target/push-benchmark-api.log").toFile());
        builder.environment().putAll(Map.of(
                "QUARKUS_HTTP_PORT", Integer.toString(port), "QUARKUS_HTTP_HOST", "127.0.0.1",
                "KAFKA_BOOTSTRAP_SERVERS", bootstrap, "QUARKUS_REDIS_HOSTS", redisUrl,
                "SEGFLOW_ADMIN_KEY", "bench-admin-key", "SEGFLOW_TOKENS_SECRET", SECRET,
                "QUARKUS_OTEL_SDK_DISABLED", "true", "QUARKUS_REDIS_MAX_POOL_SIZE", "32", "QUARKUS_REDIS_MAX_POOL_WAITING", "20000"));
        return builder.start();
    }

    private static void awaitReady(int port) throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        for (int i = 0; i < 600; i++) {
            try {
                var response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("api-function did not become ready; see target/push-benchmark-api.log");
    }

    private static String heapUsed(int port) throws Exception {
        var response = java.net.http.HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        double heap = Arrays.stream(response.body().split("\n"))
                .filter(l -> l.startsWith("jvm_memory_used_bytes") && l.contains("area=\"heap\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        return String.format("heap used %.0f MB", heap / 1024 / 1024);
    }

    private static void gc(long pid) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (Files.isExecutable(jcmd)) {
            new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static int freePort() {
        return Ports.free();
    }
}
