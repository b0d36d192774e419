package io.segflow.trigger;

import static io.segflow.testkit.ConsumerGroups.committed;
import static io.segflow.trigger.Changes.change;
import static io.segflow.trigger.Changes.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.TopicReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The broker refusing trigger records ({@code segflow.triggers} set to take no record batch over 100 bytes): the
 * change is held, its offset is not committed, and its trigger comes out once the broker takes it again.
 */
@QuarkusTest
@TestProfile(UnacknowledgedTriggersTest.FrequentCommits.class)
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class UnacknowledgedTriggersTest {
    private static final ConfigResource TRIGGERS = new ConfigResource(ConfigResource.Type.TOPIC, Topics.TRIGGERS);

    /** Offsets committed every 200 ms, so that a wrong commit would happen while the test looks. */
    public static class FrequentCommits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mp.messaging.incoming.segment-changes.auto.commit.interval.ms", "200");
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void aChangeWhoseTriggerTheBrokerRefusesIsHeldUncommittedUntilTheTriggerIsAcknowledged() throws Exception {
        String user = "user-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
             TopicReader triggers = new TopicReader(bootstrapServers, Topics.TRIGGERS)) {
            createTriggersTopic(admin);
            RecordMetadata written;
            TopicPartition partition;
            limitRecordBatches(admin, "100");
            try {
                written = write(user);
                partition = new TopicPartition(written.topic(), written.partition());

                assertThat(triggers.drain(r -> user.equals(r.key()), Duration.ofSeconds(4))).isEmpty();
                assertThat(committed(admin, "trigger-function", partition)).as("committed past the held change").isLessThanOrEqualTo(written.offset());
            } finally {
                limitRecordBatches(admin, null);
            }

            var fired = triggers.await(r -> user.equals(r.key()), 1, Duration.ofSeconds(30));
            assertThat(Json.read(fired.get(0).value(), JsonNode.class).get("id").asText()).isEqualTo(user + ":vip:1");
            await().atMost(Duration.ofSeconds(20)).until(() -> committed(admin, "trigger-function", partition) > written.offset());
        }
    }

    private RecordMetadata write(String user) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), new StringSerializer(), new StringSerializer())) {
            return producer.send(new ProducerRecord<>(Topics.SEGMENT_CHANGES, user, json(change(user, "vip", 1)))).get();
        }
    }

    private static void createTriggersTopic(Admin admin) throws InterruptedException {
        try {
            admin.createTopics(List.of(new NewTopic(Topics.TRIGGERS, 3, (short) 1))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    /** Sets {@code max.message.bytes} of {@code segflow.triggers}, or with null, the broker's default again. */
    private void limitRecordBatches(Admin admin, String bytes) throws Exception {
        AlterConfigOp op = bytes != null
                ? new AlterConfigOp(new ConfigEntry("max.message.bytes", bytes), AlterConfigOp.OpType.SET)
                : new AlterConfigOp(new ConfigEntry("max.message.bytes", ""), AlterConfigOp.OpType.DELETE);
        admin.incrementalAlterConfigs(Map.of(TRIGGERS, List.of(op))).all().get();
        // The partitions pick the setting up a little after the controller has it: wait until a write shows it.
        await().atMost(Duration.ofSeconds(30)).until(() -> acceptsWrites() == (bytes == null));
    }

    /** Whether the broker takes a trigger-sized write on every partition of {@code segflow.triggers} (a probe no test reads). */
    private boolean acceptsWrites() {
        try (KafkaProducer<String, String> probe = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "1000",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "1500"), new StringSerializer(), new StringSerializer())) {
            for (int partition = 0; partition < 3; partition++) {
                probe.send(new ProducerRecord<>(Topics.TRIGGERS, partition, "probe", "x".repeat(200))).get();
            }
            return true;
        } catch (ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
