package io.segflow.api.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.segflow.testkit.OnRedisCluster;
import io.segflow.testkit.RedisCluster;
import io.segflow.testkit.RedisProcess;
import io.segflow.testkit.RespClient;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * On a Redis Cluster, each admin write's WAIT runs on the master that took the write: while every master's replica is
 * stopped no write is answered, and once they run again every answer comes. A WAIT sent on its own (it has no key)
 * would go to any master, on a connection that has nothing unacknowledged to wait for, and answer at once.
 * <p>
 * The replicas are plain servers replicating the cluster's masters, not nodes of the cluster: the cluster client
 * connects to every node it lists, and a connection it opens to a stopped node never completes its handshake.
 */
@QuarkusTest
@TestProfile(ReplicaWaitOnRedisClusterTest.WaitingOnCluster.class)
class ReplicaWaitOnRedisClusterTest {
    private static final Pattern MASTER_OFFSET = Pattern.compile("master_repl_offset:(\\d+)");
    private static final Pattern REPLICA_OFFSET = Pattern.compile("slave0:.*offset=(\\d+)");

    public static class WaitingOnCluster extends OnRedisCluster {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("segflow.redis-replicas.acks", "1", "segflow.redis-replicas.timeout", "8s");
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Inject
    RedisDataSource redis;

    @Inject
    MeterRegistry metrics;

    @ConfigProperty(name = "quarkus.redis.hosts")
    String masters;

    List<RedisProcess> replicas = new ArrayList<>();

    @BeforeEach
    void startReplicas() {
        for (String master : masters.split(",")) {
            replicas.add(RedisProcess.startReplicaOf(URI.create(master).getPort()));
        }
    }

    @AfterEach
    void stopReplicas() {
        replicas.forEach(RedisProcess::resume);
        replicas.forEach(RedisProcess::close);
    }

    @Test
    void everyAdminWriteWaitsForTheReplicaOfTheMasterThatTookIt() throws Exception {
        try (EveryAdminWrite writes = new EveryAdminWrite(base, redis)) {
            double timeoutsBefore = timeouts();
            // The writes of the set-up are on the replicas: only the writes of the test have anything to wait for.
            await().atMost(Duration.ofSeconds(10)).until(this::replicasCaughtUp);

            List<EveryAdminWrite.Write> sent;
            replicas.forEach(RedisProcess::pause);
            try {
                sent = writes.send();
                Thread.sleep(2_000);
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(sent)
                        .as("writes the masters hold").allMatch(write -> write.stored().getAsBoolean()));
                assertThat(sent).as("writes answered while the replicas were stopped")
                        .noneMatch(write -> write.answer().isDone());
            } finally {
                replicas.forEach(RedisProcess::resume);
            }
            for (EveryAdminWrite.Write write : sent) {
                assertThat(write.answer().get(30, TimeUnit.SECONDS).statusCode()).as(write.name()).isEqualTo(write.status());
            }
            assertThat(timeouts()).as("the replicas answered within the timeout").isEqualTo(timeoutsBefore);
        }
        assertThat(RedisCluster.errorReplies(masters, "CROSSSLOT")).as("CROSSSLOT errors").isZero();
    }

    /** Whether every master's replica has acknowledged all the master wrote. */
    private boolean replicasCaughtUp() {
        for (String master : masters.split(",")) {
            try (RespClient client = new RespClient(URI.create(master).getPort())) {
                String info = client.text("INFO", "replication");
                Matcher written = MASTER_OFFSET.matcher(info);
                Matcher acknowledged = REPLICA_OFFSET.matcher(info);
                if (!written.find() || !acknowledged.find() || !written.group(1).equals(acknowledged.group(1))) {
                    return false;
                }
            }
        }
        return true;
    }

    private double timeouts() {
        return metrics.find("segflow.api.replica.wait.timeouts").counter().count();
    }
}
