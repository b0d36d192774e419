package io.segflow.api.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.segflow.testkit.ClusterReplicas;
import io.segflow.testkit.OnRedisCluster;
import io.segflow.testkit.RedisCluster;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * On a Redis Cluster, each admin write's WAIT runs on the master that took the write: while every master's replica is
 * stopped no write is answered, and once they run again every answer comes. A WAIT sent on its own (it has no key)
 * would go to any master and pooled connection, most often one with nothing unacknowledged to wait for, and answer
 * at once: the six writes make a misrouted WAIT show in nearly every run, not in every one.
 */
@QuarkusTest
@TestProfile(ReplicaWaitOnRedisClusterTest.WaitingOnCluster.class)
class ReplicaWaitOnRedisClusterTest {

    public static class WaitingOnCluster extends OnRedisCluster {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Well past the time the test holds the replicas stopped; a connection waiting that long is closed only
            // after 9 s of silence.
            return Map.of("segflow.redis-replicas.acks", "1", "segflow.redis-replicas.timeout", "8s",
                    "quarkus.redis.tcp.idle-timeout", "9s");
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

    ClusterReplicas replicas;

    @BeforeEach
    void startReplicas() {
        replicas = ClusterReplicas.start(masters);
    }

    @AfterEach
    void stopReplicas() {
        replicas.close();
    }

    @Test
    void everyAdminWriteWaitsForTheReplicaOfTheMasterThatTookIt() throws Exception {
        try (EveryAdminWrite writes = new EveryAdminWrite(base, redis)) {
            double timeoutsBefore = timeouts();
            // The writes of the set-up are on the replicas: only the writes of the test have anything to wait for.
            await().atMost(Duration.ofSeconds(10)).until(replicas::caughtUp);

            List<EveryAdminWrite.Write> sent;
            replicas.pause();
            try {
                sent = writes.send();
                Thread.sleep(2_000);
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(sent)
                        .as("writes the masters hold").allMatch(write -> write.stored().getAsBoolean()));
                assertThat(sent).as("writes answered while the replicas were stopped")
                        .noneMatch(write -> write.answer().isDone());
            } finally {
                replicas.resume();
            }
            for (EveryAdminWrite.Write write : sent) {
                assertThat(write.answer().get(30, TimeUnit.SECONDS).statusCode()).as(write.name()).isEqualTo(write.status());
            }
            assertThat(timeouts()).as("the replicas answered within the timeout").isEqualTo(timeoutsBefore);
        }
        assertThat(RedisCluster.errorReplies(masters, "CROSSSLOT")).as("CROSSSLOT errors").isZero();
    }

    private double timeouts() {
        return metrics.find("segflow.api.replica.wait.timeouts").counter().count();
    }
}
