package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.event.Event;
import io.segflow.core.json.Json;
import io.segflow.core.redis.RedisKeys;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A segment saved after its users were seen reaches them with no further event: the catalog backfill. */
@QuarkusTest
class CatalogBackfillTest extends SegmentFunctionTestBase {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    MeterRegistry metrics;

    private final String tier = "gold-" + UUID.randomUUID();
    private final String segment = "tier-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void setUp() {
        // A catalog with a revision (on a fresh Redis there is none yet), so that users record the one they were
        // evaluated against.
        redis.value(Long.class).incr(RedisKeys.SEGMENTS_REVISION);
    }

    @Test
    void aNewSegmentReachesExistingUsersWithNoFurtherEventOnceEach() {
        String gold1 = "bf-gold-" + UUID.randomUUID();
        String gold2 = "bf-gold-" + UUID.randomUUID();
        String tin = "bf-tin-" + UUID.randomUUID();
        identify(gold1, tier);
        identify(gold2, tier);
        identify(tin, "tin");
        // They exist: registered, and evaluated against the catalog of their events (which knows no such segment).
        await().atMost(WAIT).until(() -> List.of(gold1, gold2, tin).stream().allMatch(this::evaluatedAndRegistered));
        Counter backfilled = metrics.counter("segflow.backfill.users");
        double before = backfilled.count();

        long revision = define(segment, "\"tier\" in traits && traits.tier == \"" + tier + "\"");

        for (String gold : List.of(gold1, gold2)) {
            changes.await(r -> gold.equals(r.key()) && r.value().contains(segment), 1, WAIT);
        }
        assertThat(indexedSince(segment, gold1)).isPresent();
        assertThat(indexedSince(segment, gold2)).isPresent();
        // The other user was evaluated against the new catalog too, and stays out: nothing changed for it, so nothing
        // of it was written.
        awaitBackfillDone(revision);
        assertThat(memberships(tin).contains(segment)).isFalse();
        assertThat(memberships(tin).catalogRevision()).as("not written").isLessThan(revision);
        assertThat(indexedSince(segment, tin)).isEmpty();
        assertThat(changes.drain(r -> tin.equals(r.key()) && r.value().contains(segment), Duration.ofSeconds(1))).isEmpty();
        for (String gold : List.of(gold1, gold2)) {
            List<JsonNode> entered = changes.drain(r -> gold.equals(r.key()) && r.value().contains(segment), Duration.ZERO).stream()
                    .map(r -> Json.read(r.value(), JsonNode.class)).toList();
            assertThat(entered).hasSize(1);
            assertThat(entered.get(0).get("change").asText()).isEqualTo("entered");
            assertThat(entered.get(0).get("cause").asText()).startsWith("segments:");
        }
        assertThat(backfilled.count() - before).isGreaterThanOrEqualTo(3);

        // Its next event evaluates it in full once more, and records the revision.
        identify(tin, "tin");
        await().atMost(WAIT).until(() -> memberships(tin).catalogRevision() >= revision);
        assertThat(memberships(tin).contains(segment)).isFalse();
    }

    @Test
    void theBackfillRecordsItsProgressPerPartitionAndAFinishedOneEvaluatesNobodyAgain() {
        String user = "bf-once-" + UUID.randomUUID();
        identify(user, tier);
        await().atMost(WAIT).until(() -> evaluatedAndRegistered(user));
        long revision = define(segment, "\"tier\" in traits && traits.tier == \"" + tier + "\"");
        awaitBackfillDone(revision);
        Counter backfilled = metrics.counter("segflow.backfill.users");
        double done = backfilled.count();
        long version = memberships(user).version();

        // An event of the user after the backfill is evaluated as usual, and nobody is backfilled again.
        identify(user, tier);
        await().atMost(WAIT).until(() -> record(user).map(r -> r.profile().count("identify") == 2).orElse(false));
        assertThat(backfilled.count()).isEqualTo(done);
        assertThat(memberships(user).version()).isEqualTo(version);
    }

    @Test
    void aNewWindowedCountSegmentAnswersFromTheEventsItsUsersHadBeforeItWasSaved() {
        String viewer = "bf-viewer-" + UUID.randomUUID();
        String rarely = "bf-rarely-" + UUID.randomUUID();
        Instant twoDaysAgo = Instant.now().minus(Duration.ofDays(2));
        for (int i = 0; i < 3; i++) {
            send(trackEventAt(viewer, "Product Viewed", twoDaysAgo.plusSeconds(i)));
        }
        // Three views too, but one of them nine days ago: outside the window.
        send(trackEventAt(rarely, "Product Viewed", Instant.now().minus(Duration.ofDays(9))));
        send(trackEventAt(rarely, "Product Viewed", twoDaysAgo));
        send(trackEventAt(rarely, "Product Viewed", twoDaysAgo.plusSeconds(1)));
        await().atMost(WAIT).until(() -> List.of(viewer, rarely).stream().allMatch(user -> evaluatedAndRegistered(user)
                && record(user).orElseThrow().profile().count("Product Viewed") == 3));

        long revision = define(segment, "count(\"Product Viewed\", \"7d\") >= 3");

        changes.await(r -> viewer.equals(r.key()) && r.value().contains(segment) && r.value().contains("\"entered\""), 1, WAIT);
        awaitBackfillDone(revision);
        assertThat(memberships(viewer).contains(segment)).isTrue();
        assertThat(memberships(rarely).contains(segment)).isFalse();
        assertThat(changes.drain(r -> rarely.equals(r.key()) && r.value().contains(segment), Duration.ZERO)).isEmpty();
    }

    @Test
    void aUserTheNewSegmentOnlyGivesAWakeIsWrittenWithIt() {
        String user = "bf-idle-" + UUID.randomUUID();
        String event = "Tab Closed " + UUID.randomUUID();
        Instant at = Instant.now().minus(Duration.ofMinutes(10));
        send(trackEventAt(user, event, at));
        await().atMost(WAIT).until(() -> evaluatedAndRegistered(user));
        assertThat(record(user).orElseThrow().scheduledWake()).as("nothing of this user depends on time yet").isZero();

        // Only users who had the event: for the others lastSeen is 1970, and the segment stays out of other tests' way.
        long revision = define(segment, "count(\"" + event + "\") >= 1 && now - lastSeen(\"" + event + "\") > duration(\"1h\")");
        awaitBackfillDone(revision);

        // Still out, but time will move it in an hour after its event: the visit stores the wake, and the revision.
        long due = at.plus(Duration.ofHours(1)).toEpochMilli();
        assertThat(memberships(user).contains(segment)).isFalse();
        assertThat(memberships(user).catalogRevision()).isGreaterThanOrEqualTo(revision);
        assertThat(record(user).orElseThrow().scheduledWake()).isBetween(due, due + 1_000);
        assertThat(redis.sortedSet(String.class).zscore(RedisKeys.schedule(partitionOf(user)), user)).isNotNull();
    }

    /**
     * While events flow, a chunk's users are listed by the round trip before it and read by its own round's, with the
     * round's users: the chunks still see every event, of users the round's events touch too.
     */
    @Test
    void aBackfillWhileEventsFlowReadsItsChunksWithTheRoundsAndMissesNoEvent() throws InterruptedException {
        List<String> users = IntStream.range(0, 900).mapToObj(i -> "bf-flow-" + i + "-" + UUID.randomUUID()).toList();
        users.forEach(user -> identify(user, tier));
        await().atMost(WAIT).until(() -> users.stream().allMatch(this::evaluatedAndRegistered));
        Counter readAhead = metrics.counter("segflow.backfill.chunks", "reads", "ahead");
        Counter readOwn = metrics.counter("segflow.backfill.chunks", "reads", "own");
        double aheadBefore = readAhead.count();
        double ownBefore = readOwn.count();

        long revision = define(segment, "\"tier\" in traits && traits.tier == \"" + tier + "\"");
        Map<String, Integer> pings = new HashMap<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (int next = 0; !backfillDone(revision) && System.nanoTime() < deadline; ) {
            for (int i = 0; i < 10; i++, next++) {
                String user = users.get(next % users.size());
                send(trackEvent(user, "ping", UUID.randomUUID().toString()));
                pings.merge(user, 1, Integer::sum);
            }
            Thread.sleep(5);
        }
        awaitBackfillDone(revision);

        await().atMost(WAIT).until(() -> users.stream().allMatch(user -> record(user)
                .map(r -> r.profile().count("ping") == pings.getOrDefault(user, 0)).orElse(false)));
        assertThat(users).allSatisfy(user -> assertThat(memberships(user).contains(segment)).as(user).isTrue());
        // A chunk reads for itself only when no earlier round listed it: the three partitions hold a few chunks each.
        assertThat(readAhead.count() - aheadBefore).as("chunks read with the rounds' reads")
                .isGreaterThan(readOwn.count() - ownBefore);
        // The share the backfill had of the engine, for operators: at most the configured one, at least 1/16 of it.
        assertThat(metrics.get("segflow.backfill.live.share").gauge().value()).isBetween(0.25 / 16, 0.25);
    }

    private static Event trackEventAt(String user, String name, Instant at) {
        return new Event(1, "track", UUID.randomUUID().toString(), user, null, name, null, null, null, null, Map.of(), null,
                null, at, null, null, Instant.now(), "test");
    }

    private boolean evaluatedAndRegistered(String user) {
        return record(user).isPresent() && redis.set(String.class).sismember(RedisKeys.users(partitionOf(user)), user);
    }

    private void identify(String user, String tierValue) {
        send(identifyEvent(user, Map.of("tier", tierValue)));
    }
}
