package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.segflow.core.Topics;
import io.segflow.core.event.EventRecords;
import io.segflow.core.json.Json;
import io.segflow.core.redis.RedisKeys;
import io.segflow.segment.consume.EngineHealth;
import io.segflow.testkit.TopicWriter;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.junit.jupiter.api.Test;

/**
 * A partition revoked while Kafka does not acknowledge the engine's change records: a broker holding replicas of
 * {@code segflow.segment-changes} is down and the topic requires every replica, so the records in flight are held back
 * (the group's coordinator is on the other broker, so the group goes on). A second member joins the group; the engine
 * gives it a partition, stores its last round and waits for the records in flight, and that wait fails. Then Kafka
 * refuses those records outright: the producer drops them, and only what Redis stored can bring them back. Users rely
 * on every enter and exit reaching {@code segflow.segment-changes}, on every event counting once, on the engine going
 * on with the partitions it kept, and on the one it gave up going to its new owner.
 */
@QuarkusTest
@TestProfile(RevocationWithUnacknowledgedChangesTest.TwoBrokersShortPublishWait.class)
class RevocationWithUnacknowledgedChangesTest extends SegmentFunctionTestBase {
    /** The engine's consumer group (EventLoop's). */
    private static final String GROUP = "segment-function";
    private static final String ENGINE_CLIENT = "segment-function-events";
    /** The engine's longest wait for Kafka's acks (30 s unless set). */
    private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(2);
    private static final int USERS_PER_PARTITION = 3;
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** The engine on {@link TwoBrokers}, waiting for Kafka's acks for 2 s instead of 30. */
    public static class TwoBrokersShortPublishWait implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            TwoBrokers cluster = TwoBrokers.instance();
            return Map.of(
                    "kafka.bootstrap.servers", cluster.bootstrapServers,
                    "quarkus.redis.hosts", cluster.redis.url(),
                    "segflow.engine.publish-timeout", PUBLISH_TIMEOUT.toMillis() + "ms");
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true; // the shared Kafka and Redis are not these
        }
    }

    @Inject
    @Readiness
    EngineHealth engine;

    @Test
    void noChangeIsLostAndNoEventCountsTwiceWhenTheWaitForChangesFailsOnRevocation() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String event = "visit_" + tag;
        String segment = "first-visit-" + tag;
        await("the engine laying out its partitions").atMost(WAIT)
                .until(() -> redis.value(String.class).get(RedisKeys.EVENT_PARTITIONS) != null);
        // Entered with the first event, exited with the second.
        awaitBackfillDone(define(segment, "count(\"" + event + "\") == 1"));
        Map<Integer, List<String>> usersByPartition = usersOnEveryPartition(tag);
        List<String> users = usersByPartition.values().stream().flatMap(List::stream).toList();

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
             ChangesTopicFaults changesTopic = new ChangesTopicFaults(bootstrapServers)) {
            await("the engine alone in its group, owning every partition").atMost(WAIT)
                    .until(() -> engineAloneOwns(admin, usersByPartition.keySet()));
            int stopped = holdBackChangeRecords(admin, changesTopic);

            sendOneEventEach(users, event);
            await("every first event stored").atMost(WAIT).until(() -> users.stream().allMatch(user -> count(user, event) == 1));
            // Their change records are on their way, unacknowledged; fewer rounds than the engine waits for are.
            assertThat(engineProblem()).as("the engine's state before the revocation").isNull();

            try (Newcomer newcomer = new Newcomer(bootstrapServers)) {
                // The first round of the cooperative rebalance takes a partition from the engine; the second, which
                // hands it to the newcomer, waits for the engine to rejoin.
                await("the engine giving up a partition while its change records are held back").atMost(WAIT)
                        .until(() -> gaveUpSome(engineOwns(admin), usersByPartition.keySet()));
                // Its wait for them on revocation runs out while the broker is down.
                sleep(PUBLISH_TIMEOUT.plusSeconds(1).toMillis());
                restartRefusingWhatWasHeldBack(changesTopic, stopped);

                await("the newcomer owning the partition the engine gave up").atMost(WAIT).until(() -> !newcomer.owned().isEmpty());
                Set<Integer> kept = new TreeSet<>(usersByPartition.keySet());
                kept.removeAll(newcomer.owned());
                List<String> keptUsers = usersOf(usersByPartition, kept::contains);
                List<String> revokedUsers = usersOf(usersByPartition, partition -> !kept.contains(partition));

                // Published again from what the engine stored, with no further event.
                changes.await(change(keptUsers, segment, "entered"), keptUsers.size(), WAIT);
                changesTopic.acceptOldRecords();
                await("the engine ready again").atMost(WAIT).until(() -> engineProblem() == null);
                await("the engine owning the partitions it kept").atMost(WAIT).until(() -> engineOwns(admin).equals(kept));

                // The engine goes on with the partitions it kept; the revoked one's events wait for its owner.
                sendOneEventEach(revokedUsers, event);
                sendOneEventEach(keptUsers, event);
                await("the kept partitions' second events stored").atMost(WAIT)
                        .until(() -> keptUsers.stream().allMatch(user -> count(user, event) == 2));
            }

            // The newcomer left: the engine takes the partition back and publishes what was stored for it.
            await("every second event stored").atMost(WAIT).until(() -> users.stream().allMatch(user -> count(user, event) == 2));
            changes.await(change(users, segment, "exited"), users.size(), WAIT);
            for (String user : users) {
                assertThat(count(user, event)).as("events of %s counted", user).isEqualTo(2);
                assertThat(firstAppearances(user, segment)).as("changes of %s, by first appearance", user)
                        .containsExactly("1 entered", "2 exited");
            }
        }
    }

    /**
     * Stops a broker, not the group's coordinator, with the changes topic requiring every replica: the change records
     * are held back from then on. Returns the broker stopped.
     */
    private int holdBackChangeRecords(Admin admin, ChangesTopicFaults changesTopic) throws Exception {
        changesTopic.requireEveryReplica();
        int coordinator = admin.describeConsumerGroups(Set.of(GROUP)).all().get(10, TimeUnit.SECONDS).get(GROUP).coordinator().id();
        int stopped = TwoBrokers.instance().kafka.brokerIds().stream().filter(id -> id != coordinator).findFirst().orElseThrow();
        TwoBrokers.instance().kafka.stopBroker(stopped);
        await("change records held back").atMost(WAIT)
                .until(() -> changesTopic.writes().stream().allMatch(ChangesTopicFaults.Write.HELD_BACK::equals));
        return stopped;
    }

    /**
     * Starts the broker again, Kafka refusing the records held back since before the revocation (as it would had the
     * engine's wait not run out yet): the producer drops them. New records are taken.
     */
    private static void restartRefusingWhatWasHeldBack(ChangesTopicFaults changesTopic, int stopped) throws Exception {
        changesTopic.refuseRecordsOlderThan(Duration.ofSeconds(1));
        TwoBrokers.instance().kafka.startBroker(stopped);
        await("new change records acknowledged").atMost(WAIT)
                .until(() -> changesTopic.writes().stream().allMatch(ChangesTopicFaults.Write.ACKNOWLEDGED::equals));
    }

    private static Predicate<ConsumerRecord<String, String>> change(List<String> users, String segment, String change) {
        return r -> users.contains(r.key()) && r.value().contains(segment) && r.value().contains("\"" + change + "\"");
    }

    private static boolean gaveUpSome(Set<Integer> owned, Set<Integer> all) {
        return !owned.isEmpty() && owned.size() < all.size();
    }

    /** Users of the test on every partition of segflow.events, by partition. */
    private Map<Integer, List<String>> usersOnEveryPartition(String tag) {
        int partitions = Integer.parseInt(redis.value(String.class).get(RedisKeys.EVENT_PARTITIONS));
        Map<Integer, List<String>> users = new TreeMap<>();
        for (int i = 0; users.size() < partitions || users.values().stream().anyMatch(u -> u.size() < USERS_PER_PARTITION); i++) {
            String user = "revoked-" + tag + "-" + i;
            List<String> ofPartition = users.computeIfAbsent(partitionOf(user), p -> new ArrayList<>());
            if (ofPartition.size() < USERS_PER_PARTITION) {
                ofPartition.add(user);
            }
        }
        return users;
    }

    private static List<String> usersOf(Map<Integer, List<String>> usersByPartition, IntPredicate partitions) {
        return usersByPartition.entrySet().stream().filter(e -> partitions.test(e.getKey())).flatMap(e -> e.getValue().stream()).toList();
    }

    /** One event each, sent together: the engine takes them in a round or two. */
    private void sendOneEventEach(List<String> users, String event) {
        events.sendAll(users.stream().map(user -> new TopicWriter.Outgoing(user,
                new String(EventRecords.write(trackEvent(user, event, UUID.randomUUID().toString())), StandardCharsets.UTF_8),
                Map.of())).toList());
    }

    private long count(String user, String event) {
        return record(user).map(r -> r.profile().count(event)).orElse(0L);
    }

    /** The user's changes of the segment as "version change", each version where it first appeared. */
    private List<String> firstAppearances(String user, String segment) {
        Map<Long, String> first = new LinkedHashMap<>();
        changes.drain(r -> user.equals(r.key()) && r.value().contains(segment), Duration.ZERO).forEach(r -> {
            JsonNode change = Json.read(r.value(), JsonNode.class);
            first.putIfAbsent(change.get("version").asLong(), change.get("change").asText());
        });
        return first.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList();
    }

    /** Why the engine is not ready, or null when it is. */
    private String engineProblem() {
        HealthCheckResponse check = engine.call();
        return check.getStatus() == HealthCheckResponse.Status.UP ? null
                : check.getData().map(data -> String.valueOf(data.get("problem"))).orElse("down");
    }

    private static boolean engineAloneOwns(Admin admin, Set<Integer> partitions) throws Exception {
        return members(admin).size() == 1 && engineOwns(admin).equals(partitions);
    }

    /** The partitions of segflow.events the group has the engine own. */
    private static Set<Integer> engineOwns(Admin admin) throws Exception {
        Set<Integer> owned = new TreeSet<>();
        for (MemberDescription member : members(admin)) {
            if (ENGINE_CLIENT.equals(member.clientId())) {
                member.assignment().topicPartitions().stream().map(TopicPartition::partition).forEach(owned::add);
            }
        }
        return owned;
    }

    private static Collection<MemberDescription> members(Admin admin) throws Exception {
        return admin.describeConsumerGroups(Set.of(GROUP)).all().get(10, TimeUnit.SECONDS).get(GROUP).members();
    }

    /** A plain consumer joining the engine's group: the rebalance it starts hands it what the engine gives up. */
    private static final class Newcomer implements AutoCloseable {
        private final Set<Integer> owned = ConcurrentHashMap.newKeySet();
        private final Thread thread;
        private volatile boolean leaving;

        Newcomer(String bootstrapServers) {
            Properties settings = new Properties();
            settings.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            settings.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
            settings.put(ConsumerConfig.CLIENT_ID_CONFIG, "revocation-newcomer");
            settings.put(ConsumerConfig.METRIC_REPORTER_CLASSES_CONFIG, "");
            settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false); // consumes nothing on the engine's behalf
            settings.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
            thread = Thread.ofPlatform().name("revocation-newcomer").daemon().start(() -> pollUntilLeaving(settings));
        }

        private void pollUntilLeaving(Properties settings) {
            try (var consumer = new KafkaConsumer<>(settings, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(Topics.EVENTS), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                        partitions.forEach(tp -> owned.add(tp.partition()));
                    }

                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        partitions.forEach(tp -> owned.remove(tp.partition()));
                    }
                });
                while (!leaving) {
                    consumer.poll(Duration.ofMillis(100));
                }
            }
        }

        Set<Integer> owned() {
            return Set.copyOf(owned);
        }

        @Override
        public void close() throws InterruptedException {
            leaving = true; // closing the consumer leaves the group: the engine is assigned what it held
            thread.join(30_000);
        }
    }
}
