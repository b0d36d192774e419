package io.segflow.segment;

import static org.awaitility.Awaitility.await;

import io.segflow.core.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code segflow.segment-changes} on a cluster of several brokers, made to fail with topic settings while the rest of
 * the cluster (the consumer group's coordinator among it) goes on working:
 * <ul>
 * <li>{@link #requireEveryReplica}: a write is acknowledged only once every replica has it ({@code min.insync.replicas}
 * at the replication factor), so while a broker is stopped every {@code acks=all} write is answered
 * {@code NOT_ENOUGH_REPLICAS}, which producers retry until their delivery timeout;</li>
 * <li>{@link #refuseRecordsOlderThan}: {@code message.timestamp.before.max.ms}, so a record a producer held back
 * longer is refused (not retried: the producer fails it), while new ones are taken.</li>
 * </ul>
 * {@link #writes} tells how the topic's partitions answer a new write.
 */
final class ChangesTopicFaults implements AutoCloseable {
    private static final ConfigResource TOPIC = new ConfigResource(ConfigResource.Type.TOPIC, Topics.SEGMENT_CHANGES);
    private static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    private static final String MAX_AGE = "message.timestamp.before.max.ms";
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** How a partition answered an {@code acks=all} write. */
    enum Write { ACKNOWLEDGED, HELD_BACK, REFUSED }

    private final String bootstrapServers;
    private final Admin admin;
    private final int partitions;
    private final int replicas;

    ChangesTopicFaults(String bootstrapServers) throws Exception {
        this.bootstrapServers = bootstrapServers;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
        try {
            createIfMissing();
            var description = admin.describeTopics(List.of(Topics.SEGMENT_CHANGES)).allTopicNames().get().get(Topics.SEGMENT_CHANGES);
            this.partitions = description.partitions().size();
            this.replicas = description.partitions().get(0).replicas().size();
        } catch (Exception | Error e) {
            admin.close();
            throw e;
        }
    }

    /** Writes are acknowledged once every replica has them (nothing changes while every broker runs). */
    void requireEveryReplica() throws Exception {
        set(MIN_INSYNC_REPLICAS, String.valueOf(replicas));
    }

    /** Kafka refuses records created longer than {@code age} ago; returns once every partition's leader does. */
    void refuseRecordsOlderThan(Duration age) throws Exception {
        set(MAX_AGE, String.valueOf(age.toMillis()));
        // acks=1: a write held back for want of replicas is still checked for its timestamp.
        await("old records refused").atMost(WAIT).until(() -> writes("1", age.multipliedBy(10)).stream().allMatch(Write.REFUSED::equals));
    }

    /** Kafka takes records of any age again. */
    void acceptOldRecords() throws Exception {
        admin.incrementalAlterConfigs(Map.of(TOPIC, List.of(delete(MAX_AGE)))).all().get();
    }

    /** How each partition answers a new {@code acks=all} write (a probe no test reads). */
    List<Write> writes() throws InterruptedException {
        return writes("all", Duration.ZERO);
    }

    @Override
    public void close() throws Exception {
        try {
            admin.incrementalAlterConfigs(Map.of(TOPIC, List.of(delete(MIN_INSYNC_REPLICAS), delete(MAX_AGE)))).all().get();
        } finally {
            admin.close();
        }
    }

    private void createIfMissing() throws InterruptedException {
        try {
            // The broker's partition count and replication factor, as when the engine's producer creates it.
            admin.createTopics(List.of(new NewTopic(Topics.SEGMENT_CHANGES, Optional.empty(), Optional.empty()))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    private void set(String name, String value) throws Exception {
        AlterConfigOp op = new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET);
        admin.incrementalAlterConfigs(Map.of(TOPIC, List.of(op))).all().get();
    }

    private static AlterConfigOp delete(String name) {
        return new AlterConfigOp(new ConfigEntry(name, ""), AlterConfigOp.OpType.DELETE);
    }

    /** The answers to a write on every partition, of a record created {@code age} ago. */
    private List<Write> writes(String acks, Duration age) throws InterruptedException {
        List<Write> answers = new ArrayList<>(partitions);
        long created = System.currentTimeMillis() - age.toMillis();
        try (KafkaProducer<String, String> probe = probe(acks)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>(partitions);
            for (int partition = 0; partition < partitions; partition++) {
                sent.add(probe.send(new ProducerRecord<>(Topics.SEGMENT_CHANGES, partition, created, "probe", "probe")));
            }
            for (Future<RecordMetadata> ack : sent) {
                try {
                    ack.get();
                    answers.add(Write.ACKNOWLEDGED);
                } catch (ExecutionException e) {
                    answers.add(e.getCause() instanceof InvalidTimestampException ? Write.REFUSED : Write.HELD_BACK);
                }
            }
        }
        return answers;
    }

    private KafkaProducer<String, String> probe(String acks) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                // No JMX reporter: inside a Quarkus test, Kafka would load it from another class loader than its own.
                ProducerConfig.METRIC_REPORTER_CLASSES_CONFIG, "",
                ProducerConfig.ACKS_CONFIG, acks,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "1000",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "1500"), new StringSerializer(), new StringSerializer());
    }
}
