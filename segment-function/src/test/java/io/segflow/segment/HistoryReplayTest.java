package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.Topics;
import io.segflow.core.event.Event;
import io.segflow.core.history.PartitionHistory;
import io.segflow.core.json.Json;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.rules.SegmentDefinition;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A segment over a property aggregate no earlier segment read (a windowed sum) answers from the events its users had
 * before it was saved: the partition's owner replays them from segflow.events, and live events go on meanwhile.
 */
@QuarkusTest
class HistoryReplayTest extends SegmentFunctionTestBase {
    private static final Duration WAIT = Duration.ofSeconds(40);

    @Inject
    MeterRegistry metrics;

    /** An event name of this test's own, so that no other test's segment keeps its properties. */
    private final String purchase = "Order Completed " + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void catalogWithARevision() {
        redis.value(Long.class).incr(RedisKeys.SEGMENTS_REVISION);
    }

    @Test
    void aNewWindowedSumSegmentAnswersFromThePastEventsReplayedFromTheLog() {
        String big = "hr-big-" + UUID.randomUUID();
        String small = "hr-small-" + UUID.randomUUID();
        Instant twoDaysAgo = Instant.now().minus(Duration.ofDays(2));
        for (int i = 0; i < 3; i++) {
            send(purchaseAt(big, 100, twoDaysAgo.plusSeconds(i)));
        }
        send(purchaseAt(small, 100, twoDaysAgo));
        // Outside the window: read by the replay, not counted.
        send(purchaseAt(small, 200, Instant.now().minus(Duration.ofDays(40))));
        awaitCounted(big, 3);
        awaitCounted(small, 2);
        double replayedBefore = metrics.counter("segflow.history.replayed.events").count();

        String segment = "spenders-" + UUID.randomUUID().toString().substring(0, 8);
        long revision = define(segment, "sum(\"" + purchase + "\", \"revenue\", \"30d\") >= 250.0");

        changes.await(r -> big.equals(r.key()) && r.value().contains(segment) && r.value().contains("\"entered\""), 1, WAIT);
        awaitBackfillDone(revision);
        assertThat(memberships(big).contains(segment)).isTrue();
        assertThat(memberships(small).contains(segment)).isFalse();
        assertThat(metrics.counter("segflow.history.replayed.events").count() - replayedBefore).isGreaterThanOrEqualTo(5);
    }

    @Test
    void eventsThatKeepArrivingDuringTheReplayCountExactlyOnce() throws Exception {
        String buyer = "hr-busy-" + UUID.randomUUID();
        Instant yesterday = Instant.now().minus(Duration.ofDays(1));
        for (int i = 0; i < 10; i++) {
            send(purchaseAt(buyer, 10, yesterday.plusSeconds(i)));
        }
        awaitCounted(buyer, 10);

        String exact = "exact-" + UUID.randomUUID().toString().substring(0, 8);
        String over = "over-" + UUID.randomUUID().toString().substring(0, 8);
        String sum = "sum(\"" + purchase + "\", \"revenue\", \"7d\")";
        Thread live = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 40; i++) {
                send(purchaseAt(buyer, 1, Instant.now()));
                sleep(20);
            }
        });
        sleep(200);
        define(exact, sum + " == 140.0");
        long revision = define(over, sum + " > 140.0");
        live.join();

        awaitCounted(buyer, 50);
        awaitBackfillDone(revision);
        assertThat(memberships(buyer).contains(over)).as("a sum above the events sent counts some twice").isFalse();
        assertThat(memberships(buyer).contains(exact)).as("the sum of the 50 events sent").isTrue();
    }

    @Test
    void aWindowLongerThanTheLogIsAnsweredFromWhatItHoldsAndSaysWhereItStarts() throws Exception {
        String user = "hr-partial-" + UUID.randomUUID();
        send(purchaseAt(user, 5, Instant.now().minus(Duration.ofHours(3))));
        awaitCounted(user, 1);
        // Retention removed every event of the user's partition so far.
        TopicPartition partition = new TopicPartition(Topics.EVENTS, partitionOf(user));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            long end = admin.listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition).get().offset();
            admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(end))).all().get();
        }
        Instant kept = Instant.now().minus(Duration.ofHours(1));
        send(purchaseAt(user, 7, kept));
        awaitCounted(user, 2);

        String segment = "lifetime-" + UUID.randomUUID().toString().substring(0, 8);
        long revision = define(segment, "sum(\"" + purchase + "\", \"revenue\") == 7.0");

        await().atMost(WAIT).until(() -> memberships(user).catalogRevision() >= revision && memberships(user).contains(segment));
        PartitionHistory history = PartitionHistory.decode(
                redis.hash(String.class).hget(RedisKeys.partitionState(partitionOf(user)), RedisKeys.HISTORY_FIELD));
        assertThat(history.replays()).isEmpty();
        PartitionHistory.KeptProperty revenue = history.kept().stream()
                .filter(property -> property.event().equals(purchase) && property.property().equals("revenue")).findFirst().orElseThrow();
        assertThat(revenue.since()).isEqualTo(revision);
        assertThat(revenue.historyStart()).isBetween(kept.toEpochMilli() - 60_000, Instant.now().toEpochMilli());
    }

    @Test
    void aSegmentDisabledAndEnabledAgainCountsEachEventOnce() {
        String quiet = "hr-quiet-" + UUID.randomUUID();
        String busy = "hr-busy-" + UUID.randomUUID();
        Instant yesterday = Instant.now().minus(Duration.ofDays(1));
        for (int i = 0; i < 4; i++) {
            send(purchaseAt(quiet, 10, yesterday.plusSeconds(i)));
        }
        send(purchaseAt(busy, 10, yesterday));
        send(purchaseAt(busy, 10, yesterday.plusSeconds(1)));
        awaitCounted(quiet, 4);
        awaitCounted(busy, 2);
        String segment = "toggled-" + UUID.randomUUID().toString().substring(0, 8);
        String condition = "sum(\"" + purchase + "\", \"revenue\", \"7d\") == 40.0";
        long enabled = define(segment, condition);
        await().atMost(WAIT).until(() -> memberships(quiet).catalogRevision() >= enabled && memberships(quiet).contains(segment));

        long disabled = save(segment, condition, false);
        await().atMost(WAIT).until(() -> memberships(quiet).catalogRevision() >= disabled && !memberships(quiet).contains(segment));
        // While no segment reads the property, the busy user's events are counted but their revenue is not kept.
        send(purchaseAt(busy, 10, Instant.now()));
        send(purchaseAt(busy, 10, Instant.now()));
        awaitCounted(busy, 4);

        long again = save(segment, condition, true);

        // The quiet user's values from before were dropped, not added to; the busy user's gap was replayed.
        await().atMost(WAIT).until(() -> memberships(quiet).catalogRevision() >= again && memberships(busy).catalogRevision() >= again);
        assertThat(memberships(quiet).contains(segment)).as("4 events of 10, counted once").isTrue();
        assertThat(memberships(busy).contains(segment)).as("2 events before and 2 while disabled").isTrue();
    }

    /** As the api-function saves a definition: the definition and the revision in one transaction. */
    private long save(String id, String condition, boolean enabled) {
        var result = redis.withTransaction(tx -> {
            tx.hash(String.class).hset(RedisKeys.SEGMENTS, id, Json.write(new SegmentDefinition(id, id, condition, enabled, Instant.now())));
            tx.value(Long.class).incr(RedisKeys.SEGMENTS_REVISION);
        });
        return result.<Long>get(1);
    }

    @Test
    void anErasedUsersEarlierEventsAreNotReplayedIntoTheProfileStartedAgain() {
        String buyer = "hr-erased-" + UUID.randomUUID();
        send(purchaseAt(buyer, 100, Instant.now().minus(Duration.ofDays(2))));
        awaitCounted(buyer, 1);
        send(Event.erasure(buyer, "erase-" + UUID.randomUUID(), Instant.now()));
        await().atMost(WAIT).until(() -> record(buyer).isEmpty());
        send(purchaseAt(buyer, 5, Instant.now().minus(Duration.ofMinutes(1))));
        awaitCounted(buyer, 1);

        String segment = "big-spenders-" + UUID.randomUUID().toString().substring(0, 8);
        long revision = define(segment, "sum(\"" + purchase + "\", \"revenue\", \"30d\") > 50.0");
        awaitBackfillDone(revision);

        assertThat(memberships(buyer).contains(segment)).as("the 100 from before the erasure stays erased").isFalse();
    }

    private void awaitCounted(String user, long events) {
        await().atMost(WAIT).until(() -> record(user).map(r -> r.profile().count(purchase) == events).orElse(false));
    }

    private Event purchaseAt(String user, double revenue, Instant at) {
        return purchaseAt(user, purchase, revenue, at);
    }
}
