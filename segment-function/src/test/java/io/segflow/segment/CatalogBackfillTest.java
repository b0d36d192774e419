package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.json.Json;
import io.segflow.core.redis.RedisKeys;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A segment saved after its users were seen reaches them with no further event: the catalog backfill. */
@QuarkusTest
class CatalogBackfillTest extends SegmentFunctionTestBase {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    CatalogBackfill backfill;

    @Inject
    MeterRegistry metrics;

    @Inject
    BackfillClaims claims;

    private final String tier = "gold-" + UUID.randomUUID();
    private final String segment = "tier-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void setUp() {
        // A catalog with a revision (on a fresh Redis there is none yet), so that users record the one they were
        // evaluated against.
        redis.value(Long.class).incr(RedisKeys.SEGMENTS_REVISION);
    }

    @Test
    void aNewSegmentReachesExistingUsersWithNoFurtherEventAndIsBackfilledOnce() {
        String gold1 = "bf-gold-" + UUID.randomUUID();
        String gold2 = "bf-gold-" + UUID.randomUUID();
        String tin = "bf-tin-" + UUID.randomUUID();
        identify(gold1, tier);
        identify(gold2, tier);
        identify(tin, "tin");
        // They exist: registered, and evaluated against the catalog of their events (which knows no such segment).
        await().atMost(WAIT).until(() -> List.of(gold1, gold2, tin).stream().allMatch(this::evaluatedAndRegistered));
        Counter scheduled = metrics.counter("segflow.backfill.users");
        double scheduledBefore = scheduled.count();

        long revision = define(segment, "\"tier\" in traits && traits.tier == \"" + tier + "\"");

        for (String gold : List.of(gold1, gold2)) {
            changes.await(r -> gold.equals(r.key()) && r.value().contains(segment), 1, WAIT);
        }
        await().atMost(WAIT).until(() -> redis.sortedSet(String.class).zscore(RedisKeys.segmentMembers(segment), gold1).isPresent()
                && redis.sortedSet(String.class).zscore(RedisKeys.segmentMembers(segment), gold2).isPresent());
        // The other user was evaluated against the new catalog too, and stays out.
        await().atMost(WAIT).until(() -> String.valueOf(revision).equals(members(tin).get(RedisKeys.CATALOG_FIELD)));
        assertThat(members(tin)).doesNotContainKey(segment);
        assertThat(redis.sortedSet(String.class).zscore(RedisKeys.segmentMembers(segment), tin)).isEmpty();
        assertThat(changes.drain(r -> tin.equals(r.key()) && r.value().contains(segment), Duration.ofSeconds(1))).isEmpty();
        // One record each, a second later still: the backfill wake and anything racing it publish no record twice.
        for (String gold : List.of(gold1, gold2)) {
            List<JsonNode> entered = changes.drain(r -> gold.equals(r.key()) && r.value().contains(segment), Duration.ZERO).stream()
                    .map(r -> Json.read(r.value(), JsonNode.class)).toList();
            assertThat(entered).hasSize(1);
            assertThat(entered.get(0).get("change").asText()).isEqualTo("entered");
            assertThat(entered.get(0).get("cause").asText()).isEqualTo("segments:" + revision);
        }
        assertThat(scheduled.count() - scheduledBefore).isGreaterThanOrEqualTo(3);

        // Every shard is done for this revision: another instance, or this one again, schedules nobody twice.
        awaitBackfillDone(revision);
        double scheduledOnce = scheduled.count();
        assertThat(backfill.backfill(revision)).isZero();
        assertThat(scheduled.count()).isEqualTo(scheduledOnce);
    }

    @Test
    void aShardLeftUnfinishedByADeadInstanceIsTakenOverOnceItsLeaseEnds() {
        String user = "bf-lease-" + UUID.randomUUID();
        identify(user, tier);
        await().atMost(WAIT).until(() -> evaluatedAndRegistered(user));
        long revision = define(segment, "\"tier\" in traits && traits.tier == \"" + tier + "\"");
        awaitBackfillDone(revision);
        String state = RedisKeys.usersBackfill(RedisKeys.userShard(user));
        Counter scheduled = metrics.counter("segflow.backfill.users");

        // An instance claimed the user's shard and is still within its lease: nobody else scans it.
        redis.hash(String.class).hset(state, Map.of("cursor", "0", "lease", String.valueOf(System.currentTimeMillis() + 60_000)));
        double before = scheduled.count();
        assertThat(backfill.backfill(revision)).isZero();
        assertThat(scheduled.count()).isEqualTo(before);

        // It died: once the lease has ended, the next attempt scans the shard from the cursor it recorded.
        redis.hash(String.class).hset(state, "lease", String.valueOf(System.currentTimeMillis() - 1));
        assertThat(backfill.backfill(revision)).isPositive();
        assertThat(scheduled.count()).isGreaterThan(before);
        assertThat(redis.hash(String.class).hget(state, "cursor")).isEqualTo("done");
    }

    @Test
    void anUnfinishedShardIsResumedFromItsCursorAndANewerRevisionEndsTheOlderClaim() {
        int shard = 5;
        String state = RedisKeys.usersBackfill(shard);
        Map<String, String> saved = redis.hash(String.class).hgetall(state);
        long revision = 1_000_000_000L; // above any revision the running backfill works on
        long lease = 60_000;
        long now = System.currentTimeMillis();
        try {
            BackfillClaims.Claim first = claims.claim(shard, revision, now, lease).orElseThrow();
            assertThat(first.cursor()).isEqualTo("0");
            BackfillClaims.Claim advanced = claims.advance(first, "17", now, lease).orElseThrow();
            assertThat(claims.claim(shard, revision, now, lease)).as("held by its scanner").isEmpty();

            // The scanner died: once its lease ended, the next claim goes on from the cursor it recorded.
            BackfillClaims.Claim resumed = claims.claim(shard, revision, advanced.lease() + 1, lease).orElseThrow();
            assertThat(resumed.cursor()).isEqualTo("17");
            assertThat(claims.advance(advanced, "18", now, lease)).as("the dead scanner's late step").isEmpty();

            // A newer revision takes the shard over from the start; the older claim stops and never comes back.
            assertThat(claims.claim(shard, revision + 1, now, lease).orElseThrow().cursor()).isEqualTo("0");
            assertThat(claims.advance(resumed, "19", now, lease)).isEmpty();
            assertThat(claims.claim(shard, revision, resumed.lease() + 1, lease)).isEmpty();
        } finally {
            redis.key().del(state);
            if (!saved.isEmpty()) {
                redis.hash(String.class).hset(state, saved);
            }
        }
    }

    private void awaitBackfillDone(long revision) {
        await().atMost(WAIT).until(() -> {
            for (int shard = 0; shard < RedisKeys.USER_SHARDS; shard++) {
                Map<String, String> state = redis.hash(String.class).hgetall(RedisKeys.usersBackfill(shard));
                if (!String.valueOf(revision).equals(state.get("rev")) || !"done".equals(state.get("cursor"))) {
                    return false;
                }
            }
            return true;
        });
    }

    private boolean evaluatedAndRegistered(String user) {
        return members(user).containsKey(RedisKeys.CATALOG_FIELD)
                && redis.set(String.class).sismember(RedisKeys.users(RedisKeys.userShard(user)), user);
    }

    private Map<String, String> members(String user) {
        return redis.hash(String.class).hgetall(RedisKeys.members(user));
    }

    private void identify(String user, String tierValue) {
        send(identifyEvent(user, Map.of("tier", tierValue)));
    }
}
