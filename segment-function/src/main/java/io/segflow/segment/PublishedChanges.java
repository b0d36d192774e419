package io.segflow.segment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.smallrye.common.annotation.Identifier;
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
import org.jboss.logging.Logger;

/**
 * Which of a user's change records are on {@code segflow.segment-changes} already: asked only when a drainer took
 * over an outbox whose previous drainer stopped between sending and trimming (a crash or a stall), after fencing
 * that drainer's producer ({@link ChangeLog#fence}), so that the records it committed are not published twice.
 * Reads the user's partition as consumers do ({@code read_committed}), from shortly before that drainer began
 * ({@code offsetsForTimes}) up to the partition's end as it was after the fence: a bounded read, at most a lease's
 * worth of that partition's traffic plus the clock margin. If other transactions keep that end out of reach for
 * too long, it fails rather than guess: the outbox is released and tried again.
 */
@ApplicationScoped
public class PublishedChanges {
    private static final Logger LOG = Logger.getLogger(PublishedChanges.class);
    /** Record timestamps come from the publishing instance's clock, the marker from Redis's: allow for skew. */
    private static final long CLOCK_MARGIN_MILLIS = 60_000;
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration READ_LIMIT = Duration.ofSeconds(30);

    private final Map<String, Object> kafka;
    private KafkaConsumer<String, String> committed;
    private KafkaConsumer<String, String> uncommitted;

    PublishedChanges(@Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.kafka = kafka;
    }

    /** The records of {@code candidates} (change records of {@code user}) committed to the topic since about {@code sinceMillis}. */
    public synchronized Set<String> alreadyPublished(String user, List<String> candidates, long sinceMillis) {
        Map<Long, String> byVersion = new HashMap<>();
        candidates.forEach(record -> byVersion.put(versionOf(record), record));
        KafkaConsumer<String, String> reader = committed();
        TopicPartition partition = new TopicPartition(Topics.SEGMENT_CHANGES,
                partitionOf(user, reader.partitionsFor(Topics.SEGMENT_CHANGES).size()));
        reader.assign(List.of(partition));
        // Offsets over everything written, committed or not: the fenced producer's transactions are complete by
        // now, but other producers' may still be open ahead of its records, and a read_committed lookup stops there.
        KafkaConsumer<String, String> everything = uncommitted();
        everything.assign(List.of(partition));
        OffsetAndTimestamp start = everything.offsetsForTimes(Map.of(partition, Math.max(0, sinceMillis - CLOCK_MARGIN_MILLIS)))
                .get(partition);
        Set<String> found = new HashSet<>();
        if (start == null) {
            return found; // nothing written to the partition since then
        }
        long end = everything.endOffsets(List.of(partition)).get(partition);
        reader.seek(partition, start.offset());
        long deadline = System.nanoTime() + READ_LIMIT.toNanos();
        while (reader.position(partition) < end) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not read " + partition + " up to offset " + end + " within "
                        + READ_LIMIT + " (a transaction stays open): will retry the outbox of " + user);
            }
            for (ConsumerRecord<String, String> record : reader.poll(POLL)) {
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

    /** The partition the producer's default partitioner gives a record keyed by {@code user}: murmur2 of the key. */
    static int partitionOf(String user, int partitions) {
        return Utils.toPositive(Utils.murmur2(user.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private static long versionOf(String changeRecord) {
        try {
            JsonNode version = Json.MAPPER.readTree(changeRecord).get("version");
            return version == null ? -1 : version.asLong();
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private KafkaConsumer<String, String> committed() {
        if (committed == null) {
            committed = consumer("read_committed");
        }
        return committed;
    }

    private KafkaConsumer<String, String> uncommitted() {
        if (uncommitted == null) {
            uncommitted = consumer("read_uncommitted");
        }
        return uncommitted;
    }

    private KafkaConsumer<String, String> consumer(String isolation) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned, never subscribed: no group, no commits
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "segment-function-outbox-takeover-" + isolation);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        return new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
    }

    @PreDestroy
    synchronized void close() {
        if (committed != null) {
            committed.close(Duration.ofSeconds(5));
        }
        if (uncommitted != null) {
            uncommitted.close(Duration.ofSeconds(5));
        }
    }
}
