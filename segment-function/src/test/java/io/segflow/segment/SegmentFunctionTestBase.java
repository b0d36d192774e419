package io.segflow.segment;

import static org.awaitility.Awaitility.await;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.segflow.core.Topics;
import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import io.segflow.core.json.Json;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.membership.Memberships;
import io.segflow.core.rules.SegmentDefinition;
import io.segflow.core.state.Partitioning;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import io.segflow.segment.apply.OwnedPartition.BackfillProgress;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.RespClient;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicReader;
import io.segflow.testkit.TopicWriter;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What segment-function's black-box tests share: the real Kafka and Redis, a writer on {@code segflow.events}, a
 * reader of {@code segflow.segment-changes}, and segments saved the way the api-function saves them.
 */
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
abstract class SegmentFunctionTestBase {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    RedisDataSource redis;

    protected TopicWriter events;
    protected TopicReader changes;

    @BeforeEach
    void openTopics() {
        events = new TopicWriter(bootstrapServers, Topics.EVENTS);
        changes = new TopicReader(bootstrapServers, Topics.SEGMENT_CHANGES);
    }

    @AfterEach
    void closeTopics() {
        events.close();
        changes.close();
    }

    /** As the api-function's SegmentRepository does: the definition and the revision in one transaction. */
    protected long define(String id, String condition) {
        var result = redis.withTransaction(tx -> {
            tx.hash(String.class).hset(RedisKeys.SEGMENTS, id, Json.write(new SegmentDefinition(id, id, condition, true, Instant.now())));
            tx.value(Long.class).incr(RedisKeys.SEGMENTS_REVISION);
        });
        return result.<Long>get(1);
    }

    /** Until every partition's backfill went over all its users for {@code revision} (or a later one). */
    protected void awaitBackfillDone(long revision) {
        await().atMost(Duration.ofSeconds(40)).until(() -> backfillDone(revision));
    }

    /** Whether every partition's backfill went over all its users for {@code revision} (or a later one). */
    protected boolean backfillDone(long revision) {
        int partitions = Integer.parseInt(redis.value(String.class).get(RedisKeys.EVENT_PARTITIONS));
        for (int partition = 0; partition < partitions; partition++) {
            BackfillProgress progress = BackfillProgress.parse(
                    redis.hash(String.class).hget(RedisKeys.partitionState(partition), RedisKeys.BACKFILL_FIELD));
            if (!progress.done(revision) && progress.revision() <= revision) {
                return false;
            }
        }
        return true;
    }

    /** The partition of segflow.events a user's events and state belong to. */
    protected int partitionOf(String user) {
        return Partitioning.partitionOf(user, Integer.parseInt(redis.value(String.class).get(RedisKeys.EVENT_PARTITIONS)));
    }

    /** When the user entered the segment, as the segment's member index lists it (under the user's partition). */
    protected Optional<Double> indexedSince(String segment, String user) {
        return redis.sortedSet(String.class).zscore(RedisKeys.segmentMembers(partitionOf(user), segment), user).stream().boxed().findFirst();
    }

    /** The user's record as segment-function stored it, if any. */
    protected Optional<UserRecord> record(String user) {
        byte[] value = redis.value(byte[].class).get(RedisKeys.user(partitionOf(user), user));
        return Optional.ofNullable(value).map(bytes -> UserRecordCodec.decode(user, bytes));
    }

    protected Memberships memberships(String user) {
        return record(user).map(UserRecord::memberships).orElse(Memberships.NONE);
    }

    protected void send(Event event) {
        events.send(event.profileKey(), new String(EventRecords.write(event), StandardCharsets.UTF_8)); // as ingest writes it
    }

    protected static Event identifyEvent(String user, Map<String, Object> traits) {
        return new Event(1, "identify", UUID.randomUUID().toString(), user, null, null, null, null, null,
                traits, null, null, null, Instant.now(), null, null, Instant.now(), "test");
    }

    /** A purchase of {@code name} with its {@code revenue}, at an event time of the test's choosing. */
    protected static Event purchaseAt(String user, String name, double revenue, Instant at) {
        return new Event(1, "track", UUID.randomUUID().toString(), user, null, name, null, null, null, null,
                Map.of("revenue", revenue), null, null, at, null, null, Instant.now(), "test");
    }

    protected static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    protected static Event trackEvent(String user, String name, String messageId) {
        return new Event(1, "track", messageId, user, null, name, null, null, null, null, Map.of(), null, null,
                Instant.now(), null, null, Instant.now(), "test");
    }

    /** The pid of the tests' Redis, as it reports it. */
    protected static long redisPid() {
        try (RespClient client = new RespClient(URI.create(TestServices.redisUrl()).getPort())) {
            for (String line : client.text("INFO", "server").split("\r\n")) {
                if (line.startsWith("process_id:")) {
                    return Long.parseLong(line.substring("process_id:".length()).trim());
                }
            }
        }
        throw new IllegalStateException("Redis reported no process_id");
    }
}
