package io.segflow.api.redis;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.RedisProcess;
import io.segflow.testkit.TestServices;
import jakarta.inject.Inject;
import java.net.URI;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A replica that does not acknowledge a write within {@code segflow.redis-replicas.timeout} holds the answer for the
 * timeout; then the write stands (the master has it) and is answered as a success, counted in
 * {@code segflow_api_replica_wait_timeouts_total}.
 */
@QuarkusTest
@TestProfile(ReplicaWaitTimeoutTest.ShortWait.class)
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class ReplicaWaitTimeoutTest {
    private static final long TIMEOUT_MILLIS = 500;

    public static class ShortWait implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("segflow.redis-replicas.acks", "1", "segflow.redis-replicas.timeout", TIMEOUT_MILLIS + "ms");
        }
    }

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
    void aSaveTheReplicaDoesNotAcknowledgeIsAnsweredAfterTheTimeoutAndCounted() {
        String segment = "wait-" + UUID.randomUUID().toString().substring(0, 8);
        double timeoutsBefore = timeouts();
        admin().body("{\"condition\":\"true\"}").when().put("/v1/segments/" + segment).then().statusCode(201);
        assertThat(timeouts()).as("the running replica acknowledged the save").isEqualTo(timeoutsBefore);

        replica.pause();
        long started = System.nanoTime();
        admin().body("{\"condition\":\"false\"}").when().put("/v1/segments/" + segment).then().statusCode(200);
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        assertThat(tookMillis).as("waited for the replica").isGreaterThanOrEqualTo(TIMEOUT_MILLIS);
        assertThat(timeouts()).isEqualTo(timeoutsBefore + 1);
        admin().when().get("/v1/segments/" + segment).then().statusCode(200).body("condition", equalTo("false"));

        admin().when().delete("/v1/segments/" + segment).then().statusCode(204);
        assertThat(timeouts()).as("the delete waited too").isEqualTo(timeoutsBefore + 2);
    }

    private double timeouts() {
        return metrics.find("segflow.api.replica.wait.timeouts").counter().count();
    }

    private static RequestSpecification admin() {
        return given().header("Authorization", "Bearer dev-admin-key").contentType(ContentType.JSON);
    }
}
