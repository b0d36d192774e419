package io.segflow.trigger.definitions;

import static io.segflow.testkit.ConsumerGroups.committed;
import static io.segflow.trigger.definitions.Definitions.change;
import static io.segflow.trigger.definitions.Definitions.unique;
import static io.segflow.trigger.definitions.Definitions.webhook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.testkit.ClusterReplicas;
import io.segflow.testkit.OnRedisCluster;
import io.segflow.testkit.TestServices;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * On a Redis Cluster, the WAIT after each shard's transaction of firings runs on the master that took the
 * transaction: while every master's replica is stopped, changes whose firings are stored on several masters run no
 * firing and commit no offset; once the replicas run again, the firings run and the offsets are committed.
 * <p>
 * A WAIT sent on its own (it has no key) would go to a random master, on a pooled connection that mostly has nothing
 * unacknowledged to wait for, and answer at once. About half the time, though, the first batch of a round sends it
 * where it blocks, and that batch holds back the rest of the round: so the test takes several rounds, each another
 * chance to see a batch complete while the replicas are stopped.
 */
@QuarkusTest
@TestProfile(ReplicaWaitOnRedisClusterTest.WaitingOnCluster.class)
class ReplicaWaitOnRedisClusterTest extends TriggerFixture {
    /** Partitions whose shards ({tc0}, {tc1}, {tc2}) are on two different masters of the test cluster. */
    private static final List<Integer> PARTITIONS = List.of(0, 1, 2);
    private static final int ROUNDS = 5;

    public static class WaitingOnCluster extends OnRedisCluster {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("segflow.trigger.redis-replicas.acks", "1",
                    // Well past the time the test holds the replicas stopped, and under a stored firing's lease (the
                    // tests' 2 s call timeout + 5 s), after which the schedule's poll would take it.
                    "segflow.trigger.redis-replicas.timeout", "6s",
                    // Offsets committed every 200 ms, so that a commit before the replicas have the firings would show.
                    "mp.messaging.incoming.segment-changes.auto.commit.interval.ms", "200");
        }
    }

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
    void firingsStoredOnSeveralMastersRunAndCommitOnlyOnceEachMastersReplicaHoldsThem() throws Exception {
        assertThat(PARTITIONS.stream().map(p -> replicas.masterOf(TriggerKeys.due(TriggerKeys.changesShard(p)))).distinct())
                .as("masters of the shards").hasSizeGreaterThan(1);
        String segment = unique("seg");
        String trigger = unique("welcome");
        definitions.define(trigger, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, "
                + "'action': " + webhook(receiver.url("/replicated")) + "}");
        // One change through first: the consumer reads the partitions at once from then on.
        String user = unique("user");
        changes.send(user, Json.write(change(user, segment, SegmentChange.ENTERED, 1)));
        settled(trigger, 1);
        double timeoutsBefore = timeouts();

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestServices.kafkaBootstrapServers()))) {
            for (int round = 1; round <= ROUNDS; round++) {
                int delivered = receiver.calls("/replicated").size();
                Map<TopicPartition, Long> written;
                replicas.pause();
                try {
                    written = writeOnePerPartition(segment);
                    Thread.sleep(2_000);
                    assertThat(receiver.calls("/replicated")).as("firings run before the replicas have them, round " + round)
                            .hasSize(delivered);
                    for (var change : written.entrySet()) {
                        assertThat(committed(admin, "trigger-function", change.getKey()))
                                .as("committed past the change on " + change.getKey() + ", round " + round)
                                .isLessThanOrEqualTo(change.getValue());
                    }
                } finally {
                    replicas.resume();
                }

                for (var change : written.entrySet()) {
                    await().atMost(Duration.ofSeconds(20)).until(() -> committed(admin, "trigger-function", change.getKey()) > change.getValue());
                }
                settled(trigger, delivered + PARTITIONS.size());
            }
        }
        assertThat(timeouts()).as("the replicas answered within the timeout").isEqualTo(timeoutsBefore);
    }

    /**
     * {@code deliveries} firings called and logged as delivered, and all of it on the replicas: nothing written before
     * the next round is left to wait for.
     */
    private void settled(String trigger, int deliveries) throws InterruptedException {
        receiver.await("/replicated", deliveries, Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(10)).until(() -> definitions.log(trigger).stream()
                .filter(entry -> entry.status() == DeliveryEntry.Status.DELIVERED).count() >= deliveries);
        await().atMost(Duration.ofSeconds(10)).until(replicas::caughtUp);
    }

    /** One change on each of {@link #PARTITIONS}; returns the offset each was written at. */
    private static Map<TopicPartition, Long> writeOnePerPartition(String segment) throws Exception {
        Map<TopicPartition, Long> written = new HashMap<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestServices.kafkaBootstrapServers()), new StringSerializer(), new StringSerializer())) {
            for (int partition : PARTITIONS) {
                String user = unique("p" + partition);
                var metadata = producer.send(new ProducerRecord<>(Topics.SEGMENT_CHANGES, partition, user,
                        Json.write(change(user, segment, SegmentChange.ENTERED, 1)))).get();
                written.put(new TopicPartition(metadata.topic(), metadata.partition()), metadata.offset());
            }
        }
        return written;
    }

    private double timeouts() {
        var counter = metrics.find("segflow.trigger.replica.wait.timeouts").counter();
        return counter == null ? 0 : counter.count();
    }
}
