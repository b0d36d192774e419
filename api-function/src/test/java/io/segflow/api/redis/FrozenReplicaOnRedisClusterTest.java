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
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One replica of a Redis Cluster frozen (SIGSTOP: its port still takes connections, it answers nothing), as a stuck VM
 * or a long fork leaves it. The cluster client takes a connection to every node of its slot map for each command,
 * replicas included, though it reads only from masters; a new connection to the frozen replica never completes its
 * handshake, and the command holds the connections it took to the other nodes meanwhile. The api's
 * {@code quarkus.redis.tcp.idle-timeout} (5 s) closes such a connection: the command fails, a 503, and frees the rest.
 * So while the cluster still lists the replica, a request that needs a new connection to it answers 503 after the idle
 * timeout, well before the Redis timeout (10 s), and the others at once; once the masters mark the replica failed and
 * drop it from {@code CLUSTER SLOTS} (the client's slot map follows within its 1 s cache), every request answers at
 * once, also after a burst of more stalled requests than the pool holds. Without the idle timeout the stalled requests
 * answer only after the Redis timeout, and such a burst leaves the pool held by handshakes that never end.
 */
@QuarkusTest
@TestProfile(FrozenReplicaOnRedisClusterTest.ClusterWithReplicas.class)
class FrozenReplicaOnRedisClusterTest {
    private static final Logger LOG = Logger.getLogger(FrozenReplicaOnRedisClusterTest.class);
    private static final String ADMIN = "Bearer dev-admin-key";
    private static final int NO_ANSWER = -1;
    /** Past the api's idle timeout (5 s), which fails a request stalled on the frozen replica; under its Redis timeout. */
    private static final int BOUNDED_MILLIS = 8_000;
    /** Past the api's Redis timeout (10 s): the longest a request waits for Redis before its 503. */
    private static final int PATIENT_MILLIS = 15_000;
    /** Concurrent requests: more than the sequential warm-up left open to any node, fewer than the pool's 32. */
    private static final int BURST = 12;
    /** Concurrent requests: more than the pool's 32 connections to each node. */
    private static final int OVER_THE_POOL = 40;
    /** Segment saves in one burst. */
    private static final int MAX_WRITES = 3;
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
    private final ExecutorService senders = Executors.newFixedThreadPool(OVER_THE_POOL);
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
    void whileTheClusterListsAFrozenReplicaEveryRequestAnswersWithinTheIdleTimeout() throws Exception {
        warmUp();
        RedisProcess.signal(replicaPid, "-STOP");
        assertThat(replicaMarkedFailed()).as("the replica marked failed as soon as it froze").isFalse();

        List<Outcome> whileListed = burst(BURST, BOUNDED_MILLIS);
        assertThat(whileListed).as("answered at once, on connections the pool had open").anyMatch(Outcome::ok);
        assertThat(whileListed).as("stalled on a new connection to the frozen replica, then answered 503")
                .anyMatch(outcome -> outcome.status() == 503);
        assertThat(whileListed).as("answered within the idle timeout, 2xx or 503: never a 500, never later")
                .allMatch(outcome -> outcome.ok() || outcome.status() == 503);

        awaitTheReplicaDropped();
        for (int i = 0; i < 3; i++) {
            assertThat(burst(BURST, BOUNDED_MILLIS)).as("answered once the cluster marked the replica failed")
                    .allMatch(Outcome::ok);
        }
    }

    @Test
    void aBurstOverThePoolWhileAReplicaIsFrozenLeavesNoRequestStalledOnceItIsMarkedFailed() throws Exception {
        // No open connection to the replica, as in an api instance started while it is frozen: every request of the
        // burst opens one, more than the pool holds, and each holds a connection to every master meanwhile.
        closeTheApisConnectionsToTheReplica();
        RedisProcess.signal(replicaPid, "-STOP");

        List<Outcome> whileListed = burst(OVER_THE_POOL, PATIENT_MILLIS);
        assertThat(whileListed).as("answered, 2xx or 503 after the idle or the Redis timeout: never a 500, never no answer")
                .allMatch(outcome -> outcome.ok() || outcome.status() == 503);

        awaitTheReplicaDropped();
        for (int i = 0; i < 3; i++) {
            assertThat(burst(OVER_THE_POOL, BOUNDED_MILLIS))
                    .as("answered once the cluster marked the replica failed, the handshakes stalled on it closed")
                    .allMatch(Outcome::ok);
        }
    }

    /** Three rounds of {@link #sequentially()}. */
    private void warmUp() {
        for (int i = 0; i < 3; i++) {
            for (Outcome warmUp : sequentially()) {
                assertThat(warmUp.ok()).as("warm-up " + warmUp).isTrue();
            }
        }
    }

    private void closeTheApisConnectionsToTheReplica() {
        try (RespClient client = new RespClient(replica)) {
            client.call("CLIENT", "KILL", "TYPE", "normal");
        }
    }

    private void awaitTheReplicaDropped() throws InterruptedException {
        await().atMost(Duration.ofSeconds(30)).until(this::replicaMarkedFailed);
        Thread.sleep(PAST_SLOT_CACHE.toMillis());
    }

    /** A request of each kind, one after the other: the pool's connections to every node, as before the freeze. */
    private List<Outcome> sequentially() {
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            outcomes.add(request(i, PATIENT_MILLIS));
        }
        return outcomes;
    }

    /** {@code requests} at once, each given up as {@link #NO_ANSWER} after {@code timeoutMillis}. */
    private List<Outcome> burst(int requests, int timeoutMillis) throws Exception {
        List<Future<Outcome>> sent = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            int index = i;
            sent.add(senders.submit(() -> request(index, timeoutMillis)));
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (Future<Outcome> outcome : sent) {
            outcomes.add(outcome.get(timeoutMillis * 2L, TimeUnit.MILLISECONDS));
        }
        LOG.infof("%d requests at once: %s", requests, outcomes);
        return outcomes;
    }

    /**
     * Mostly user reads (users on the shards of several masters), the admin list, and a write. Three writes at most:
     * more segments saved at once conflict on the catalog and answer 503 after a few tries, whatever Redis does.
     */
    private Outcome request(int index, int timeoutMillis) {
        String user = users.get(index % users.size());
        int kind = index < MAX_WRITES * 4 ? index % 4 : index % 3;
        return switch (kind) {
            case 0, 1 -> timed("GET /v1/users/{id}/segments",
                    () -> reader(user, timeoutMillis).get("/v1/users/" + user + "/segments").statusCode());
            case 2 -> timed("GET /v1/segments", () -> admin(timeoutMillis).get("/v1/segments").statusCode());
            default -> timed("PUT /v1/segments/{id}", () -> admin(timeoutMillis).contentType(ContentType.JSON)
                    .body("{\"condition\":\"true\"}")
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

    private static RequestSpecification admin(int timeoutMillis) {
        return given().config(withTimeout(timeoutMillis)).header("Authorization", ADMIN).when();
    }

    private static RequestSpecification reader(String user, int timeoutMillis) {
        return given().config(withTimeout(timeoutMillis)).header("Authorization", "Bearer " + TestTokens.forUser(user)).when();
    }

    private static RestAssuredConfig withTimeout(int timeoutMillis) {
        return RestAssuredConfig.config().httpClient(HttpClientConfig.httpClientConfig()
                .setParam("http.connection.timeout", timeoutMillis)
                .setParam("http.socket.timeout", timeoutMillis));
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
