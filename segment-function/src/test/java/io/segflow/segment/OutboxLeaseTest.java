package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.engine.SegmentEngine;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.redis.RedisKeys;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The outbox lease (claim-outbox.lua, begin-publish.lua, ack-outbox.lua, release-outbox.lua): one drainer at a
 * time, no record stranded — whatever another path appends is either handed to the holder by its ack or claimed by
 * that path — and a drainer that began sending and did not trim is named to whoever claims the outbox next.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class OutboxLeaseTest {
    private static final long LEASE_MILLIS = 30_000; // segflow.outbox.lease

    @Inject
    OutboxScripts scripts;

    @Inject
    ProfileStore store;

    @Inject
    RedisDataSource redis;

    private final String user = "outbox-" + UUID.randomUUID();

    @Test
    void anEmptyOutboxIsNotClaimed() {
        assertThat(claim("a")).isInstanceOf(Outbox.Empty.class);
        assertThat(leaseHolder()).isNull();
    }

    @Test
    void aSecondClaimWhileTheLeaseIsHeldGetsNothing() {
        append("r1", "r2");
        assertThat(claim("a")).isEqualTo(new Outbox.Claimed(user, "a", List.of("r1", "r2")));

        long now = System.currentTimeMillis();
        assertThat(claim("b")).isInstanceOfSatisfying(Outbox.Busy.class,
                busy -> assertThat(busy.leaseEnds()).isBetween(now + LEASE_MILLIS - 5_000, now + LEASE_MILLIS + 1_000));
        assertThat(leaseHolder()).isEqualTo("a");
        assertThat(outboxRecords()).containsExactly("r1", "r2");
    }

    @Test
    void anAckTrimsWhatWasPublishedAndHandsOverWhatWasAppendedMeanwhile() {
        append("r1");
        Outbox.Claimed first = (Outbox.Claimed) claim("a");
        // Another path stores a transition while "a" publishes; its own claim finds the outbox taken.
        append("r2", "r3");
        assertThat(claim("b")).isInstanceOf(Outbox.Busy.class);
        redis.key().pexpire(RedisKeys.outboxLease(user), 1_000);

        Outbox.Claim next = ack(first);

        assertThat(next).isEqualTo(new Outbox.Claimed(user, "a", List.of("r2", "r3")));
        assertThat(outboxRecords()).containsExactly("r2", "r3");
        assertThat(leaseHolder()).isEqualTo("a");
        assertThat(redis.key().pttl(RedisKeys.outboxLease(user))).as("renewed").isGreaterThan(LEASE_MILLIS - 5_000);

        assertThat(ack((Outbox.Claimed) next)).isEqualTo(new Outbox.Empty(user));
        assertThat(outboxRecords()).isEmpty();
        assertThat(leaseHolder()).as("released").isNull();
    }

    @Test
    void aRecordAppendedAfterTheReleaseIsClaimedByItsOwnPath() {
        append("r1");
        assertThat(ack((Outbox.Claimed) claim("a"))).isInstanceOf(Outbox.Empty.class);

        append("r2");

        assertThat(claim("b")).isEqualTo(new Outbox.Claimed(user, "b", List.of("r2")));
    }

    @Test
    void anExpiredLeaseIsTakenOverAndTheStaleAckRemovesNothing() {
        append("r1");
        Outbox.Claimed slow = (Outbox.Claimed) claim("a");
        expireLease();
        append("r2");

        // The new holder claims everything, the records the slow one published included.
        Outbox.Claimed takeover = (Outbox.Claimed) claim("b");
        assertThat(takeover.records()).containsExactly("r1", "r2");

        assertThat(ack(slow)).isEqualTo(new Outbox.TakenOver(user));
        assertThat(outboxRecords()).containsExactly("r1", "r2");
        assertThat(leaseHolder()).isEqualTo("b");

        assertThat(ack(takeover)).isInstanceOf(Outbox.Empty.class);
        assertThat(outboxRecords()).isEmpty();
    }

    @Test
    void aStaleAckAfterTheLeaseEndedWithNoNewHolderRemovesNothingEither() {
        append("r1");
        Outbox.Claimed slow = (Outbox.Claimed) claim("a");
        long before = System.currentTimeMillis();
        assertThat(begin(slow, "producer-a")).isTrue();
        expireLease();

        assertThat(ack(slow)).isInstanceOf(Outbox.TakenOver.class);

        // It cannot prove the head is still its own: it removes nothing, and the next drainer, told which producer
        // began sending and since when, fences it and looks on Kafka for what it committed (OutboxTakeoverTest).
        assertThat(outboxRecords()).containsExactly("r1");
        assertThat(claim("b")).isInstanceOfSatisfying(Outbox.Claimed.class, next -> {
            assertThat(next.records()).containsExactly("r1");
            assertThat(next.unfinished().producer()).isEqualTo("producer-a");
            assertThat(next.unfinished().since()).isBetween(before - 1_000, System.currentTimeMillis() + 1_000);
        });
    }

    @Test
    void aDrainerWhoseLeaseEndedBeforeItBeganMaySendNothingAndLeavesNoMarker() {
        append("r1");
        Outbox.Claimed slow = (Outbox.Claimed) claim("a");
        expireLease();

        assertThat(begin(slow, "producer-a")).isFalse();
        assertThat(claim("b")).isInstanceOfSatisfying(Outbox.Claimed.class, next -> assertThat(next.unfinished()).isNull());
    }

    @Test
    void aTakeoverNamesItsOwnProducerAndKeepsWhenTheFirstUnfinishedDrainerBegan() {
        append("r1");
        assertThat(begin((Outbox.Claimed) claim("a"), "producer-a")).isTrue();
        expireLease();
        Outbox.Claimed takeover = (Outbox.Claimed) claim("b");
        long firstSince = takeover.unfinished().since();

        assertThat(begin(takeover, "producer-b")).isTrue();
        expireLease();

        // producer-a was fenced by b before b began; the Kafka read must still start where a began.
        assertThat(claim("c")).isInstanceOfSatisfying(Outbox.Claimed.class,
                next -> assertThat(next.unfinished()).isEqualTo(new Outbox.Unfinished(firstSince, "producer-b")));
    }

    @Test
    void anAckRemovesTheMarkerAlsoWhenRecordsWereAppendedMeanwhile() {
        append("r1");
        Outbox.Claimed first = (Outbox.Claimed) claim("a");
        assertThat(begin(first, "producer-a")).isTrue();
        append("r2");

        assertThat(ack(first)).isEqualTo(new Outbox.Claimed(user, "a", List.of("r2")));
        assertThat(redis.key().exists(RedisKeys.outboxSending(user))).isFalse();
    }

    @Test
    void onlyTheHolderReleasesTheLeaseAndReleasingKeepsTheRecords() {
        append("r1");
        Outbox.Claimed held = (Outbox.Claimed) claim("a");
        assertThat(begin(held, "producer-a")).isTrue();

        scripts.release(new Outbox.Claimed(user, "b", List.of("r1")));
        assertThat(leaseHolder()).isEqualTo("a");

        scripts.release(held);
        assertThat(leaseHolder()).isNull();
        // Publishing failed after it began: the next claim is told to check.
        assertThat(claim("b")).isInstanceOfSatisfying(Outbox.Claimed.class, next -> {
            assertThat(next.records()).containsExactly("r1");
            assertThat(next.unfinished().producer()).isEqualTo("producer-a");
        });
    }

    private Outbox.Claim claim(String token) {
        return scripts.claim(user, token);
    }

    private boolean begin(Outbox.Claimed claimed, String producer) {
        return scripts.begin(claimed, producer);
    }

    private Outbox.Claim ack(Outbox.Claimed published) {
        return scripts.ack(published);
    }

    /** As a path that stores transitions does: one record per transition, appended with them (apply-memberships.lua). */
    private void append(String... records) {
        long version = store.read(user).memberships().version();
        List<Transition> transitions = Arrays.stream(records).map(record -> new Transition(record, true)).toList();
        assertThat(store.storeTransitions(user, version, Instant.now(),
                new SegmentEngine.Outcome(transitions, OptionalLong.empty(), OptionalLong.empty()), List.of(records))).isTrue();
    }

    private void expireLease() {
        redis.key().pexpire(RedisKeys.outboxLease(user), 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> leaseHolder() == null);
    }

    private String leaseHolder() {
        return redis.value(String.class).get(RedisKeys.outboxLease(user));
    }

    private List<String> outboxRecords() {
        return redis.list(String.class).lrange(RedisKeys.outbox(user), 0, -1);
    }
}
