package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.redis.RedisKeys;
import io.segflow.testkit.TopicWriter;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * A drainer that stops between publishing and trimming (a crash): whoever claims the outbox next publishes only the
 * records that did not reach Kafka, so each change is on {@code segflow.segment-changes} once.
 */
@QuarkusTest
class OutboxTakeoverTest extends SegmentFunctionTestBase {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    Outbox outbox;

    @Inject
    ChangePublisher publisher;

    @Inject
    RedisPipeline pipeline;

    private final String user = "takeover-" + UUID.randomUUID();

    private List<String> storedRecords(int count) {
        List<String> records = LongStream.rangeClosed(1, count)
                .mapToObj(version -> Json.write(new SegmentChange(user, "vip", SegmentChange.ENTERED, Instant.now(), version, "test")))
                .toList();
        redis.list(String.class).rpush(RedisKeys.outbox(user), records.toArray(String[]::new));
        return records;
    }

    private Outbox.Claim claim(String token) {
        return Outbox.claimOf(user, token, pipeline.run(List.of(outbox.claimRequest(user, token)), Outbox.CLAIM).get(0),
                System.currentTimeMillis());
    }

    /** The crashed drainer: it lost its lease without trimming anything. */
    private void leaseEnds() {
        redis.key().del(RedisKeys.outboxLease(user));
    }

    private List<Long> versionsPublished(int atLeast) {
        changes.await(r -> user.equals(r.key()), atLeast, WAIT);
        return changes.drain(r -> user.equals(r.key()), Duration.ofSeconds(2)).stream()
                .map(r -> Json.read(r.value(), SegmentChange.class).version()).toList();
    }

    @Test
    void recordsADrainerGotOntoKafkaBeforeItStoppedAreNotPublishedAgain() {
        List<String> records = storedRecords(3);
        Outbox.Claim crashed = claim("crashed");
        assertThat(crashed).isInstanceOfSatisfying(Outbox.Claimed.class, c -> assertThat(c.sendingSince()).isEqualTo(-1));
        try (TopicWriter direct = new TopicWriter(bootstrapServers, Topics.SEGMENT_CHANGES)) {
            direct.send(user, records.get(0)); // what the crashed drainer published before it stopped
            direct.send(user, records.get(1));
        }
        leaseEnds();

        Outbox.Claim next = claim("next");
        assertThat(next).isInstanceOfSatisfying(Outbox.Claimed.class, c -> {
            assertThat(c.sendingSince()).isPositive();
            assertThat(c.records()).isEqualTo(records);
        });
        publisher.deliverAll(List.of(next));

        assertThat(versionsPublished(3)).containsExactly(1L, 2L, 3L);
        assertThat(redis.list(String.class).llen(RedisKeys.outbox(user))).isZero();
        assertThat(redis.key().exists(RedisKeys.outboxLease(user), RedisKeys.outboxSending(user))).isZero();
    }

    @Test
    void aDrainerThatStoppedBeforePublishingLeavesEveryRecordToTheNext() {
        storedRecords(2);
        claim("crashed");
        leaseEnds();

        publisher.deliverAll(List.of(claim("next")));

        assertThat(versionsPublished(2)).containsExactly(1L, 2L);
    }

    @Test
    void aCompletedDrainLeavesNoMarkerForTheNextClaim() {
        storedRecords(1);
        publisher.deliverAll(List.of(claim("first")));
        assertThat(redis.key().exists(RedisKeys.outboxSending(user))).isFalse();

        redis.list(String.class).rpush(RedisKeys.outbox(user),
                Json.write(new SegmentChange(user, "vip", SegmentChange.EXITED, Instant.now(), 2, "test")));
        assertThat(claim("second")).isInstanceOfSatisfying(Outbox.Claimed.class,
                c -> assertThat(c.sendingSince()).isEqualTo(-1));
    }
}
