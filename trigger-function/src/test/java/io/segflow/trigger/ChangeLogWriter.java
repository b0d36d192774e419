package io.segflow.trigger;

import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes segment changes as segment-function does: keyed by user, in one Kafka transaction, so that a
 * {@code read_committed} consumer sees all of them at once (in a few large batches).
 */
final class ChangeLogWriter implements AutoCloseable {
    private final KafkaProducer<String, String> producer;

    ChangeLogWriter(String bootstrapServers) {
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-change-log-" + UUID.randomUUID(),
                ProducerConfig.LINGER_MS_CONFIG, "5"),
                new StringSerializer(), new StringSerializer());
        producer.initTransactions();
    }

    void writeInOneTransaction(List<SegmentChange> changes) {
        producer.beginTransaction();
        for (SegmentChange change : changes) {
            producer.send(new ProducerRecord<>(Topics.SEGMENT_CHANGES, change.userId(), Json.write(change)));
        }
        producer.commitTransaction();
    }

    @Override
    public void close() {
        producer.close();
    }
}
