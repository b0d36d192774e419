package io.segflow.system;

import io.segflow.testkit.Ports;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Ingest on three Kafka brokers (replication factor 3, {@code min.insync.replicas=2}): the broker leading a partition
 * of {@code segflow.events} is killed (SIGKILL) under load, and with it still dead every event ingest answered 200
 * for is on the two others, exactly the acknowledged ones per user. A batch caught by the kill waits for the new
 * leader or gets a 503 with {@code Retry-After}, and goes through when its SDK sends it again.
 */
class BrokerLossScaleIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String WRITE_KEY = "trio-write-key";

    private static KafkaTrio kafka;
    private static FunctionProcess ingest;

    @BeforeAll
    static void startStack() throws Exception {
        kafka = KafkaTrio.start(Path.of(System.getProperty("java.io.tmpdir"), "segflow-kafka-trio-" + System.nanoTime()));
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(Topics.EVENTS, 3, (short) 3))).all().get();
        }
        ingest = FunctionProcess.start("ingest-function", "trio-ingest-function", freePort(),
                Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(), "SEGFLOW_WRITE_KEYS", "web:" + WRITE_KEY))
                .awaitReady(WAIT);
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (ingest != null) {
            ingest.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void killingALeaderUnderLoadLosesNoAcknowledgedEvent() throws Exception {
        try (Admin admin = admin()) {
            var config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, Topics.EVENTS))).all().get();
            assertThat(config.values().iterator().next().get("min.insync.replicas").value()).isEqualTo("2");
        }
        try (SteadyLoad load = SteadyLoad.start(ingest.url(), WRITE_KEY, "trio-", 30, 200)) {
            await().atMost(WAIT).until(() -> load.deliveredCount() >= 200);
            int leader = leaderOfPartitionZero();
            kafka.kill(leader - 1);
            Instant killed = Instant.now();
            long deliveredAtKill = load.deliveredCount();
            // Ingest takes events again once the partitions it wrote to have new leaders.
            await().atMost(WAIT).until(() -> load.acceptedSince(killed.plusSeconds(1)) && load.deliveredCount() > deliveredAtKill + 200);
            load.stop();

            assertThat(load.undelivered()).as("events never acknowledged").isZero();
            assertThat(load.answers().unexpected()).as("answers other than 200, or 429/503 with Retry-After").isEmpty();
            Map<String, Long> delivered = load.delivered();
            Map<String, List<String>> onTopic = ChangeLog.read(kafka.bootstrapServers(), Topics.EVENTS, delivered::containsKey,
                    value -> Json.read(value, JsonNode.class).get("messageId").asText());
            Map<String, Long> distinct = onTopic.entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> (long) new HashSet<>(e.getValue()).size()));
            assertThat(distinct).as("distinct messageIds on the two surviving brokers, per user").isEqualTo(delivered);
        }
    }

    private static int leaderOfPartitionZero() throws Exception {
        try (Admin admin = admin()) {
            TopicDescription events = admin.describeTopics(Set.of(Topics.EVENTS)).allTopicNames().get().get(Topics.EVENTS);
            return events.partitions().get(0).leader().id();
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    private static int freePort() {
        return Ports.free();
    }
}
