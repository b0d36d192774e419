package io.segflow.segment.consume;

import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.segflow.core.Topics;
import io.segflow.testkit.TestServices;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * segment-function started as static member {@value #INSTANCE} of a group its previous process left in the middle of
 * a cooperative rebalance. Before the application starts, the resource makes that state with two plain consumers on
 * the shared Kafka: the old {@value #INSTANCE} owns every partition of {@code segflow.events}; a second member joins;
 * in the first round the old one gives up some partitions and then hangs in its revocation callback, as a process
 * killed at that moment would, so the second round that hands those partitions to the newcomer never starts.
 */
public class StaticMemberStuckMidRebalance implements QuarkusTestProfile {
    static final String INSTANCE = "restarted-member";

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(Resource.class));
    }

    @Override
    public boolean disableGlobalTestResources() {
        return true; // the resource points at the shared Kafka and Redis itself
    }

    public static class Resource implements QuarkusTestResourceLifecycleManager {
        private static final Duration WAIT = Duration.ofSeconds(60);
        private final CountDownLatch released = new CountDownLatch(1);
        private final List<Thread> members = new ArrayList<>();
        private String bootstrap;

        @Override
        public Map<String, String> start() {
            bootstrap = TestServices.kafkaBootstrapServers();
            Set<TopicPartition> oldOwns = ConcurrentHashMap.newKeySet();
            CountDownLatch gaveUpPartitions = new CountDownLatch(1);
            int partitions = partitionCount();
            start("old " + INSTANCE, INSTANCE, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
                    oldOwns.addAll(assigned);
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
                    if (!revoked.isEmpty()) {
                        gaveUpPartitions.countDown();
                        awaitQuietly(released); // never rejoins for the second round
                    }
                }
            });
            await("the old member owning every partition").atMost(WAIT).until(() -> oldOwns.size() == partitions);
            start("newcomer", null, null);
            await("the old member giving up partitions").atMost(WAIT).until(() -> gaveUpPartitions.getCount() == 0);
            return Map.of(
                    "kafka.bootstrap.servers", bootstrap,
                    "quarkus.redis.hosts", TestServices.redisUrl(),
                    "segflow.engine.instance-id", INSTANCE);
        }

        @Override
        public void stop() {
            released.countDown(); // both leave their poll loops and close
            members.forEach(member -> {
                try {
                    member.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            // A static member stays in its group until its session times out: remove it, so that the next test
            // class's engine gets every partition at once.
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.removeMembersFromConsumerGroup(EventLoop.GROUP,
                        new RemoveMembersFromConsumerGroupOptions(List.of(new MemberToRemove(INSTANCE)))).all().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println("could not remove static member " + INSTANCE + ": " + e);
            }
        }

        /** Creates segflow.events with the broker's default partition count if no test did before. */
        private int partitionCount() {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                try {
                    admin.createTopics(List.of(new NewTopic(Topics.EVENTS, Optional.empty(), Optional.empty()))).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
                return admin.describeTopics(List.of(Topics.EVENTS)).allTopicNames().get(30, TimeUnit.SECONDS).get(Topics.EVENTS).partitions().size();
            } catch (Exception e) {
                throw new IllegalStateException("could not create " + Topics.EVENTS, e);
            }
        }

        private void start(String name, String instanceId, ConsumerRebalanceListener listener) {
            Thread member = new Thread(() -> {
                try (var consumer = consumer(instanceId)) {
                    if (listener == null) {
                        consumer.subscribe(List.of(Topics.EVENTS));
                    } else {
                        consumer.subscribe(List.of(Topics.EVENTS), listener);
                    }
                    while (released.getCount() > 0) {
                        consumer.poll(Duration.ofMillis(100));
                    }
                } catch (RuntimeException e) {
                    // the old member is fenced by the engine that took its instance id; either way it is done
                    System.err.println(name + " stopped: " + e);
                }
            }, name);
            member.setDaemon(true);
            member.start();
            members.add(member);
        }

        private KafkaConsumer<byte[], byte[]> consumer(String instanceId) {
            Properties settings = new Properties();
            settings.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            settings.put(ConsumerConfig.GROUP_ID_CONFIG, EventLoop.GROUP);
            settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false); // consumes nothing on the engine's behalf
            settings.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
            settings.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
            if (instanceId != null) {
                settings.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
            }
            return new KafkaConsumer<>(settings, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }

        private static void awaitQuietly(CountDownLatch latch) {
            try {
                latch.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
