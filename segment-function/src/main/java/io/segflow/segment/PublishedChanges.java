package io.segflow.segment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Which of a user's change records are on {@code segflow.segment-changes} already: asked only when a drainer took
 * over an outbox whose previous drainer stopped between publishing and trimming (a crash), so that the records it
 * got onto Kafka are not published twice. Reads the user's partition from shortly before that drainer began
 * ({@code offsetsForTimes}) to its end, with a consumer of its own (assigned, no group): a bounded read, at most
 * a lease's worth of that partition's traffic plus the clock margin.
 */
@ApplicationScoped
public class PublishedChanges {
    private static final Logger LOG = Logger.getLogger(PublishedChanges.class);
    /** Record timestamps come from the publishing instance's clock, the marker from Redis's: allow for skew. */
    private static final long CLOCK_MARGIN_MILLIS = 60_000;
    private static final Duration POLL = Duration.ofMillis(200);

    private final String bootstrapServers;
    private KafkaConsumer<String, String> consumer;

    PublishedChanges(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /** The records of {@code candidates} (change records of {@code user}) found on the topic since about {@code sinceMillis}. */
    public synchronized Set<String> alreadyPublished(String user, List<String> candidates, long sinceMillis) {
        Map<Long, String> byVersion = new HashMap<>();
        candidates.forEach(record -> byVersion.put(versionOf(record), record));
        KafkaConsumer<String, String> kafka = consumer();
        int partitions = kafka.partitionsFor(Topics.SEGMENT_CHANGES).size();
        // The producer's default partitioner for a keyed record: murmur2 of the key bytes.
        TopicPartition partition = new TopicPartition(Topics.SEGMENT_CHANGES,
                Utils.toPositive(Utils.murmur2(user.getBytes(StandardCharsets.UTF_8))) % partitions);
        kafka.assign(List.of(partition));
        OffsetAndTimestamp start = kafka.offsetsForTimes(Map.of(partition, Math.max(0, sinceMillis - CLOCK_MARGIN_MILLIS)))
                .get(partition);
        Set<String> found = new HashSet<>();
        if (start == null) {
            return found; // nothing written to the partition since then
        }
        long end = kafka.endOffsets(List.of(partition)).get(partition);
        kafka.seek(partition, start.offset());
        long deadline = System.currentTimeMillis() + 30_000;
        while (kafka.position(partition) < end && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<String, String> record : kafka.poll(POLL)) {
                if (user.equals(record.key()) && record.value() != null) {
                    String mine = byVersion.get(versionOf(record.value()));
                    if (mine != null) {
                        found.add(mine);
                    }
                }
            }
        }
        LOG.infof("Outbox of user %s taken over after a stop mid-publish: %d of its %d records were on Kafka already",
                user, found.size(), candidates.size());
        return found;
    }

    private static long versionOf(String changeRecord) {
        try {
            JsonNode version = Json.MAPPER.readTree(changeRecord).get("version");
            return version == null ? -1 : version.asLong();
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private KafkaConsumer<String, String> consumer() {
        if (consumer == null) {
            consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ConsumerConfig.CLIENT_ID_CONFIG, "segment-function-outbox-takeover",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                    new StringDeserializer(), new StringDeserializer());
        }
        return consumer;
    }

    @PreDestroy
    synchronized void close() {
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(5));
        }
    }
}
