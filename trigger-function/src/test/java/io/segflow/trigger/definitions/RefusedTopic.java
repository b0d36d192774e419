package io.segflow.trigger.definitions;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A topic whose broker refuses every record the function writes to it, until {@link #lift()}: its
 * {@code max.message.bytes} is set to 100, below any record segflow writes.
 */
final class RefusedTopic implements AutoCloseable {
    private final String bootstrapServers;
    private final String topic;
    private final Admin admin;
    private boolean lifted;

    private RefusedTopic(String bootstrapServers, String topic) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /** Returns once the broker refuses writes to {@code topic} (created first if missing). */
    static RefusedTopic refuse(String bootstrapServers, String topic) throws Exception {
        RefusedTopic refused = new RefusedTopic(bootstrapServers, topic);
        try {
            refused.create();
            refused.limit("100");
        } catch (Exception | Error e) {
            refused.admin.close();
            throw e;
        }
        return refused;
    }

    /** Returns once the broker takes writes to the topic again. */
    void lift() throws Exception {
        if (!lifted) {
            lifted = true;
            limit(null);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            lift();
        } finally {
            admin.close();
        }
    }

    private void create() throws InterruptedException {
        try {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    /** Sets {@code max.message.bytes}, or with null, the broker's default again. */
    private void limit(String bytes) throws Exception {
        AlterConfigOp op = bytes != null
                ? new AlterConfigOp(new ConfigEntry("max.message.bytes", bytes), AlterConfigOp.OpType.SET)
                : new AlterConfigOp(new ConfigEntry("max.message.bytes", ""), AlterConfigOp.OpType.DELETE);
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(op))).all().get();
        // The partitions pick the setting up a little after the controller has it: wait until a write shows it.
        await().atMost(Duration.ofSeconds(30)).until(() -> acceptsWrites() == (bytes == null));
    }

    /** Whether the broker takes a 200-byte write on every partition of the topic (a probe keyed {@code probe}). */
    private boolean acceptsWrites() throws Exception {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        try (KafkaProducer<String, String> probe = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "1000",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "1500"), new StringSerializer(), new StringSerializer())) {
            for (int partition = 0; partition < partitions; partition++) {
                probe.send(new ProducerRecord<>(topic, partition, "probe", "x".repeat(200))).get();
            }
            return true;
        } catch (ExecutionException e) {
            return false;
        }
    }
}
