package io.segflow.api.redis;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.segflow.api.support.TestTokens;
import io.segflow.api.support.UserFixtures;
import io.segflow.testkit.RedisCluster;
import io.segflow.testkit.RedisProcess;
import io.segflow.testkit.RespClient;
import io.segflow.testkit.TestServices;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One replica of a Redis Cluster frozen (SIGSTOP: its port still takes connections, it answers nothing), as a stuck VM
 * or a long fork leaves it. The cluster client takes a connection to every node of its slot map for each command,
 * replicas included, though it reads only from masters; a new connection to the frozen replica never completes its
 * handshake. So while the cluster still lists the replica, a request that needs one (more requests at once than the
 * pool had open) gets no answer until the api's Redis timeout, then a 503; requests that find one open answer at once.
 * Once the masters mark the replica failed they drop it from {@code CLUSTER SLOTS}, the client's slot map follows
 * within its 1 s cache, and every request answers again. A client that connected to masters only would stall none:
 * the assertion on the 503s would fail, and operations.md ("Redis Cluster") would need to say so.
 */
@QuarkusTest
@TestProfile(FrozenReplicaOnRedisClusterTest.ClusterWithReplicas.class)
class FrozenReplicaOnRedisClusterTest {
    private static final String ADMIN = "Bearer dev-admin-key";
    private static final int NO_ANSWER = -1;
    /** Past the api's Redis timeout (10 s): a stalled request's 503 arrives within it. */
    private static final int REQUEST_TIMEOUT_MILLIS = 15_000;
    /** Concurrent requests: more than the sequential warm-up left open to any node, fewer than the pool's 32. */
    private static final int BURST = 12;
    /** The client's slot-map cache (hash-slot-cache-ttl) is 1 s. */
    private static final Duration PAST_SLOT_CACHE = Duration.ofSeconds(2);

    /** A cluster of its own: three masters with a replica each (cluster-node-timeout 2 s), no WAIT. */
    public static class ClusterWithReplicas implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ReplicatedCluster.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("segflow.redis-replicas.acks", "0");
        }
    }

    public static class ReplicatedCluster implements QuarkusTestResourceLifecycleManager {
        private RedisCluster cluster;

        @Override
        public Map<String, String> start() {
            cluster = RedisCluster.start(3, 1);
            return Map.of(
                    "kafka.bootstrap.servers", TestServices.kafkaBootstrapServers(),
                    "quarkus.redis.hosts", cluster.hosts(),
                    "quarkus.redis.client-type", "cluster",
                    "quarkus.redis.cluster-transactions", "single-node");
        }

        @Override
        public void stop() {
            cluster.close();
        }
    }

    /** A request's answer: its status after how long, or {@link #NO_ANSWER}. */
    record Outcome(String request, int status, long millis) {
        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    @Inject
    RedisDataSource redis;

    @ConfigProperty(name = "quarkus.redis.hosts")
    String hosts;

    private final List<String> users = new ArrayList<>();
    private final ExecutorService senders = Executors.newFixedThreadPool(BURST);
    private int master;
    private int replica;
    private long replicaPid;

    @BeforeEach
    void pickAReplica() {
        master = URI.create(hosts.split(",")[0].trim()).getPort();
        awaitEveryReplicaListed();
        replica = replicaOf(master);
        try (RespClient client = new RespClient(replica)) {
            replicaPid = Long.parseLong(infoField(client.text("INFO", "server"), "process_id"));
        }
        try (UserFixtures fixtures = new UserFixtures(redis)) {
            for (int i = 0; i < 3; i++) {
                String user = "frozen-" + UUID.randomUUID();
                fixtures.store(user, Map.of("vip", Instant.ofEpochMilli(1795600000000L)), 1);
                users.add(user);
            }
        }
    }

    @AfterEach
    void resumeTheReplica() {
        try {
            RedisProcess.signal(replicaPid, "-CONT");
            awaitEveryReplicaListed();
        } finally {
            senders.shutdownNow();
        }
    }

    @Test
    void requestsStallWhileTheClusterListsAFrozenReplicaAndAnswerOnceItIsMarkedFailed() throws Exception {
        for (int i = 0; i < 3; i++) {
            for (Outcome warmUp : sequentially()) {
                assertThat(warmUp.ok()).as("warm-up " + warmUp).isTrue();
            }
        }
        RedisProcess.signal(replicaPid, "-STOP");
        assertThat(replicaMarkedFailed()).as("the replica marked failed as soon as it froze").isFalse();

        List<Outcome> whileListed = burst();
        assertThat(whileListed).as("answered at once, on connections the pool had open").anyMatch(Outcome::ok);
        assertThat(whileListed).as("stalled on a new connection to the frozen replica, then answered 503")
                .anyMatch(outcome -> outcome.status() == 503);
        assertThat(whileListed).as("answered, 2xx or 503 after the Redis timeout: never a 500, never no answer")
                .allMatch(outcome -> outcome.ok() || outcome.status() == 503);

        await().atMost(Duration.ofSeconds(30)).until(this::replicaMarkedFailed);
        Thread.sleep(PAST_SLOT_CACHE.toMillis());
        for (int i = 0; i < 3; i++) {
            assertThat(burst()).as("answered once the cluster marked the replica failed").allMatch(Outcome::ok);
        }
    }

    /** A request of each kind, one after the other: the pool's connections to every node, as before the freeze. */
    private List<Outcome> sequentially() {
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            outcomes.add(request(i));
        }
        return outcomes;
    }

    private List<Outcome> burst() throws Exception {
        List<Future<Outcome>> sent = new ArrayList<>();
        for (int i = 0; i < BURST; i++) {
            int kind = i;
            sent.add(senders.submit(() -> request(kind)));
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (Future<Outcome> outcome : sent) {
            outcomes.add(outcome.get(REQUEST_TIMEOUT_MILLIS * 2L, TimeUnit.MILLISECONDS));
        }
        return outcomes;
    }

    /** Mostly user reads (users on the shards of several masters), the admin list, and a write. */
    private Outcome request(int kind) {
        String user = users.get(kind % users.size());
        return switch (kind % 4) {
            case 0, 1 -> timed("GET /v1/users/{id}/segments", () -> reader(user).get("/v1/users/" + user + "/segments").statusCode());
            case 2 -> timed("GET /v1/segments", () -> admin().get("/v1/segments").statusCode());
            default -> timed("PUT /v1/segments/{id}", () -> admin().contentType(ContentType.JSON).body("{\"condition\":\"true\"}")
                    .put("/v1/segments/frozen-" + UUID.randomUUID().toString().substring(0, 8)).statusCode());
        };
    }

    private static Outcome timed(String request, Supplier<Integer> send) {
        long started = System.nanoTime();
        int status;
        try {
            status = send.get();
        } catch (Exception e) { // a read timeout arrives as an undeclared SocketTimeoutException
            status = NO_ANSWER;
        }
        return new Outcome(request, status, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    private static RequestSpecification admin() {
        return given().config(withTimeout()).header("Authorization", ADMIN).when();
    }

    private static RequestSpecification reader(String user) {
        return given().config(withTimeout()).header("Authorization", "Bearer " + TestTokens.forUser(user)).when();
    }

    private static RestAssuredConfig withTimeout() {
        return RestAssuredConfig.config().httpClient(HttpClientConfig.httpClientConfig()
                .setParam("http.connection.timeout", REQUEST_TIMEOUT_MILLIS)
                .setParam("http.socket.timeout", REQUEST_TIMEOUT_MILLIS));
    }

    /** Whether the masters have marked the frozen replica failed (not only suspected) and dropped it from the slot map. */
    private boolean replicaMarkedFailed() {
        try (RespClient client = new RespClient(master)) {
            String flags = flagsOf(client.text("CLUSTER", "NODES"), replica);
            return flags.contains("fail") && !flags.contains("fail?") && !listedInSlots(client, replica);
        }
    }

    /** Every master has its replica, connected, flagged by no one and listed for its master's slots. */
    private void awaitEveryReplicaListed() {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            try (RespClient client = new RespClient(master)) {
                String nodes = client.text("CLUSTER", "NODES");
                long healthyReplicas = nodes.lines().filter(line -> line.contains("slave") && !line.contains("fail")
                        && line.contains("connected")).count();
                List<?> slots = (List<?>) client.call("CLUSTER", "SLOTS");
                return healthyReplicas == 3 && slots.stream().allMatch(range -> ((List<?>) range).size() == 4);
            }
        });
    }

    private int replicaOf(int masterPort) {
        try (RespClient client = new RespClient(masterPort)) {
            String masterId = client.text("CLUSTER", "MYID");
            return client.text("CLUSTER", "NODES").lines()
                    .map(line -> line.split(" "))
                    .filter(fields -> fields[2].contains("slave") && fields[3].equals(masterId))
                    .mapToInt(fields -> port(fields[1]))
                    .findFirst().orElseThrow();
        }
    }

    private static String flagsOf(String nodes, int port) {
        return nodes.lines().map(line -> line.split(" "))
                .filter(fields -> port(fields[1]) == port)
                .map(fields -> fields[2]).findFirst().orElseThrow();
    }

    private static boolean listedInSlots(RespClient client, int port) {
        for (Object range : (List<?>) client.call("CLUSTER", "SLOTS")) {
            List<?> nodes = (List<?>) range;
            for (Object node : nodes.subList(2, nodes.size())) {
                if (((Long) ((List<?>) node).get(1)).intValue() == port) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The port of a {@code CLUSTER NODES} address, {@code ip:port@busport}. */
    private static int port(String address) {
        return Integer.parseInt(address.substring(address.indexOf(':') + 1, address.indexOf('@')));
    }

    private static String infoField(String info, String field) {
        return info.lines().filter(line -> line.startsWith(field + ":")).map(line -> line.substring(field.length() + 1).trim())
                .findFirst().orElseThrow();
    }
}
