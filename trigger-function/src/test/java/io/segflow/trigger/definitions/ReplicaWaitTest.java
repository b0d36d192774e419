package io.segflow.trigger.definitions;

import static io.segflow.testkit.ConsumerGroups.committed;
import static io.segflow.trigger.definitions.Definitions.change;
import static io.segflow.trigger.definitions.Definitions.unique;
import static io.segflow.trigger.definitions.Definitions.webhook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.RedisProcess;
import io.segflow.testkit.TestServices;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * With {@code segflow.trigger.redis-replicas.acks=1}, a batch of changes completes (its firings run, its offsets are
 * committed) only once a real replica of the function's Redis holds its firings; a replica that does not answer
 * (SIGSTOP) holds a batch for the timeout, then the firings go on, counted, and the next batches do not wait.
 */
@QuarkusTest
@TestProfile(ReplicaWaitTest.OneReplica.class)
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the timeout suspends the waits: it comes last
class ReplicaWaitTest extends TriggerFixture {

    public static class OneReplica implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("segflow.trigger.redis-replicas.acks", "1",
                    // Under a stored firing's lease (the tests' 2 s call timeout + 5 s), after which the schedule's
                    // poll would take it.
                    "segflow.trigger.redis-replicas.timeout", "4s",
                    // Offsets committed every 200 ms, so that a commit before the replica has the firing would show.
                    "mp.messaging.incoming.segment-changes.auto.commit.interval.ms", "200");
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
    @Order(1)
    void aBatchCompletesOnlyOnceTheReplicaHoldsItsFirings() throws Exception {
        String segment = unique("seg");
        definitions.define(unique("welcome"), "{'when': {'segment': '" + segment + "', 'change': 'entered'}, "
                + "'action': " + webhook(receiver.url("/replicated")) + "}");
        String user = unique("user");
        double timeoutsBefore = timeouts();

        replica.pause();
        RecordMetadata written = write(change(user, segment, SegmentChange.ENTERED, 1));
        TopicPartition partition = new TopicPartition(written.topic(), written.partition());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestServices.kafkaBootstrapServers()))) {
            Thread.sleep(2_000);
            assertThat(receiver.calls("/replicated")).as("nothing runs before the replica has the firing").isEmpty();
            assertThat(committed(admin, "trigger-function", partition)).as("committed past the batch").isLessThanOrEqualTo(written.offset());

            replica.resume();
            receiver.await("/replicated", 1, Duration.ofSeconds(20));
            await().atMost(Duration.ofSeconds(20)).until(() -> committed(admin, "trigger-function", partition) > written.offset());
        }
        assertThat(timeouts()).as("the replica answered within the timeout").isEqualTo(timeoutsBefore);
    }

    @Test
    @Order(2)
    void aReplicaThatDoesNotAnswerHoldsOneBatchForTheTimeoutThenTheFiringsGoOn() throws Exception {
        String segment = unique("seg");
        definitions.define(unique("welcome"), "{'when': {'segment': '" + segment + "', 'change': 'entered'}, "
                + "'action': " + webhook(receiver.url("/unreplicated")) + "}");
        double timeoutsBefore = timeouts();

        replica.pause();
        String first = unique("user");
        write(change(first, segment, SegmentChange.ENTERED, 1));
        receiver.await("/unreplicated", 1, Duration.ofSeconds(30));
        assertThat(timeouts()).isGreaterThan(timeoutsBefore);

        // The waits are suspended: the next change fires while the replica is still stopped, within a timeout.
        String second = unique("user");
        write(change(second, segment, SegmentChange.ENTERED, 1));
        receiver.await("/unreplicated", 2, Duration.ofSeconds(3));
    }

    private double timeouts() {
        var counter = metrics.find("segflow.trigger.replica.wait.timeouts").counter();
        return counter == null ? 0 : counter.count();
    }

    private static RecordMetadata write(SegmentChange change) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServices.kafkaBootstrapServers()), new StringSerializer(), new StringSerializer())) {
            return producer.send(new ProducerRecord<>(Topics.SEGMENT_CHANGES, change.userId(), Json.write(change))).get();
        }
    }

}
