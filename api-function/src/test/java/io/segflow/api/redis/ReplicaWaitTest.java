package io.segflow.api.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.RedisProcess;
import io.segflow.testkit.TestServices;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With {@code segflow.redis-replicas.acks=1}, every admin write is answered only once a real replica of the api's Redis
 * holds it: while the replica is stopped (SIGSTOP) the master has the writes and nobody is answered; once it runs
 * again, every answer comes, none counted as a timeout.
 */
@QuarkusTest
@TestProfile(ReplicaWaitTest.OneReplica.class)
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class ReplicaWaitTest {

    public static class OneReplica implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Long enough that the replica is resumed well before it, under the 10 s command timeout; a connection
            // waiting that long is closed only after 9 s of silence.
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

    RedisProcess replica;

    @BeforeEach
    void startReplica() {
        replica = RedisProcess.startReplicaOf(URI.create(TestServices.redisUrl()).getPort());
    }

    @AfterEach
    void stopReplica() {
        replica.resume();
        replica.close();
    }

    @Test
    void everyAdminWriteIsAnsweredOnlyOnceTheReplicaHoldsIt() throws Exception {
        try (EveryAdminWrite writes = new EveryAdminWrite(base, redis)) {
            double timeoutsBefore = timeouts();

            replica.pause();
            List<EveryAdminWrite.Write> sent = writes.send();
            Thread.sleep(2_000);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(sent)
                    .as("writes the master holds").allMatch(write -> write.stored().getAsBoolean()));
            assertThat(sent).as("writes answered while the replica was stopped")
                    .noneMatch(write -> write.answer().isDone());

            replica.resume();
            for (EveryAdminWrite.Write write : sent) {
                assertThat(write.answer().get(30, TimeUnit.SECONDS).statusCode()).as(write.name()).isEqualTo(write.status());
            }
            assertThat(timeouts()).as("the replica answered within the timeout").isEqualTo(timeoutsBefore);
        }
    }

    private double timeouts() {
        return metrics.find("segflow.api.replica.wait.timeouts").counter().count();
    }
}
