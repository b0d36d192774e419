package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.redis.RedisKeys;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A drainer that stops between sending and trimming (a crash), or stalls past its lease and goes on later: whoever
 * claims the outbox next fences its producer and publishes only what it did not commit, so each change reaches
 * read_committed consumers once. The stopped drainer is played by a transactional producer of the test's own.
 */
@QuarkusTest
class OutboxTakeoverTest extends SegmentFunctionTestBase {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    OutboxScripts scripts;

    @Inject
    ChangePublisher publisher;

    private final String user = "takeover-" + UUID.randomUUID();
    private KafkaProducer<String, String> stopped;
    private String stoppedId;

    @BeforeEach
    void startTheOtherDrainersProducer() {
        stoppedId = "test-drainer-" + UUID.randomUUID();
        stopped = transactionalProducer(stoppedId);
        stopped.initTransactions();
    }

    private KafkaProducer<String, String> transactionalProducer(String id) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, id,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000),
                new StringSerializer(), new StringSerializer());
    }

    @AfterEach
    void closeTheOtherDrainersProducer() {
        stopped.close(Duration.ofSeconds(5));
    }

    private List<String> storedRecords(int count) {
        List<String> records = LongStream.rangeClosed(1, count)
                .mapToObj(version -> Json.write(new SegmentChange(user, "vip", SegmentChange.ENTERED, Instant.now(), version, "test")))
                .toList();
        redis.list(String.class).rpush(RedisKeys.outbox(user), records.toArray(String[]::new));
        return records;
    }

    private Outbox.Claimed claim(String token) {
        Outbox.Claim claim = scripts.claim(user, token);
        assertThat(claim).isInstanceOf(Outbox.Claimed.class);
        return (Outbox.Claimed) claim;
    }

    /** The other drainer, as ChangePublisher does before it sends: its producer named in the sending marker. */
    private void begin(Outbox.Claimed claimed) {
        assertThat(scripts.begin(claimed, stoppedId)).isTrue();
    }

    private void sendInOpenTransaction(List<String> records) {
        stopped.beginTransaction();
        records.forEach(record -> stopped.send(new ProducerRecord<>(Topics.SEGMENT_CHANGES, user, record)));
        stopped.flush();
    }

    /** The other drainer lost its lease without trimming anything. */
    private void leaseEnds() {
        redis.key().del(RedisKeys.outboxLease(user));
    }

    private List<Long> versionsPublished(int atLeast) {
        changes.await(r -> user.equals(r.key()), atLeast, WAIT);
        return changes.drain(r -> user.equals(r.key()), Duration.ofSeconds(2)).stream()
                .map(r -> Json.read(r.value(), SegmentChange.class).version()).toList();
    }

    @Test
    void recordsADrainerCommittedBeforeItStoppedAreNotPublishedAgain() {
        List<String> records = storedRecords(3);
        Outbox.Claimed crashed = claim("crashed");
        assertThat(crashed.unfinished()).isNull();
        begin(crashed);
        sendInOpenTransaction(records.subList(0, 2));
        stopped.commitTransaction(); // and then it crashed, before the ack
        leaseEnds();

        Outbox.Claimed next = claim("next");
        assertThat(next.records()).isEqualTo(records);
        assertThat(next.unfinished().producer()).isEqualTo(stoppedId);
        publisher.deliverAll(List.of(next));

        assertThat(versionsPublished(3)).containsExactly(1L, 2L, 3L);
        assertThat(redis.list(String.class).llen(RedisKeys.outbox(user))).isZero();
        assertThat(redis.key().exists(RedisKeys.outboxLease(user), RedisKeys.outboxSending(user))).isZero();
    }

    @Test
    void aDrainerStalledMidTransactionIsFencedAndItsLateCommitAddsNothing() {
        List<String> records = storedRecords(3);
        begin(claim("stalled"));
        sendInOpenTransaction(records); // ... and it stalls past its lease (a long GC pause, a lost connection)
        leaseEnds();

        publisher.deliverAll(List.of(claim("next")));
        assertThatThrownBy(stopped::commitTransaction).isInstanceOf(KafkaException.class);

        assertThat(versionsPublished(3)).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aDrainerStalledBeforeItSentIsFencedToo() {
        List<String> records = storedRecords(2);
        begin(claim("stalled")); // ... and it stalls before its first send
        leaseEnds();

        publisher.deliverAll(List.of(claim("next")));
        assertThatThrownBy(() -> {
            sendInOpenTransaction(records);
            stopped.commitTransaction();
        }).isInstanceOf(KafkaException.class);

        assertThat(versionsPublished(2)).containsExactly(1L, 2L);
    }

    @Test
    void recordsCommittedBehindAnotherInstancesOpenTransactionAreFoundToo() throws Exception {
        List<String> records = storedRecords(3);
        // Another instance's drainer has a transaction open on the same partition, ahead of what ours commits.
        try (KafkaProducer<String, String> other = transactionalProducer("test-other-" + UUID.randomUUID())) {
            other.initTransactions();
            other.beginTransaction();
            other.send(new ProducerRecord<>(Topics.SEGMENT_CHANGES, neighbourOf(user), "{}"));
            other.flush();
            begin(claim("crashed"));
            sendInOpenTransaction(records.subList(0, 2));
            stopped.commitTransaction();
            leaseEnds();

            Thread takeover = Thread.ofPlatform().start(() -> publisher.deliverAll(List.of(claim("next"))));
            takeover.join(1_000);
            assertThat(takeover.isAlive()).as("waits for the open transaction ahead").isTrue();
            other.commitTransaction();
            takeover.join(WAIT.toMillis());
        }

        assertThat(versionsPublished(3)).containsExactly(1L, 2L, 3L);
    }

    /** Another user whose records go to the same partition of the changes topic. */
    private String neighbourOf(String user) {
        int partitions = stopped.partitionsFor(Topics.SEGMENT_CHANGES).size();
        int target = PublishedChanges.partitionOf(user, partitions);
        for (int i = 0; ; i++) {
            String other = "neighbour-" + i;
            if (PublishedChanges.partitionOf(other, partitions) == target) {
                return other;
            }
        }
    }

    @Test
    void aDrainerThatStoppedBeforeItBeganLeavesEveryRecordToTheNext() {
        storedRecords(2);
        claim("crashed");
        leaseEnds();

        Outbox.Claimed next = claim("next");
        assertThat(next.unfinished()).isNull();
        publisher.deliverAll(List.of(next));

        assertThat(versionsPublished(2)).containsExactly(1L, 2L);
    }

    @Test
    void aCompletedDrainLeavesNoMarkerForTheNextClaim() {
        storedRecords(1);
        publisher.deliverAll(List.of(claim("first")));
        assertThat(redis.key().exists(RedisKeys.outboxSending(user))).isFalse();

        redis.list(String.class).rpush(RedisKeys.outbox(user),
                Json.write(new SegmentChange(user, "vip", SegmentChange.EXITED, Instant.now(), 2, "test")));
        assertThat(claim("second").unfinished()).isNull();
    }
}
