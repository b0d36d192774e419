package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Several instances share the wake schedule (claim-due.lua): each due user is claimed by one of them, and a claim
 * that is never finished (a crashed instance) comes back when its lease ends. On a sorted set of the test's own, so
 * that the running poller does not touch it.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class WakeScheduleTest {
    private static final long NOW = 1_800_000_000_000L;
    private static final long LEASE = 30_000;

    @Inject
    WakeSchedule schedule;

    @Inject
    RedisDataSource redis;

    private final String shard = "sf:{test-schedule-" + UUID.randomUUID() + "}:due";

    private List<String> due(int count) {
        List<String> users = IntStream.range(0, count).mapToObj(i -> "u" + i).toList();
        users.forEach(user -> redis.sortedSet(String.class).zadd(shard, NOW - 1_000, user));
        return users;
    }

    /** Claims in rounds of {@code batch} until nothing is due, as one instance's poller does. */
    private List<String> drain(int batch) {
        List<String> claimed = new ArrayList<>();
        for (List<WakeSchedule.Claim> round = schedule.claimDue(shard, NOW, LEASE, batch); !round.isEmpty();
             round = schedule.claimDue(shard, NOW, LEASE, batch)) {
            round.forEach(claim -> claimed.add(claim.user()));
        }
        return claimed;
    }

    @Test
    void twoInstancesClaimingAtOnceNeverTakeTheSameUser() {
        List<String> users = due(500);

        CompletableFuture<List<String>> first = CompletableFuture.supplyAsync(() -> drain(7));
        CompletableFuture<List<String>> second = CompletableFuture.supplyAsync(() -> drain(11));
        List<String> all = new ArrayList<>(first.join());
        all.addAll(second.join());

        assertThat(all).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(users);
    }

    @Test
    void aClaimNeverFinishedComesBackWhenItsLeaseEnds() {
        List<String> users = due(3);
        List<WakeSchedule.Claim> crashed = schedule.claimDue(shard, NOW, LEASE, 100);
        assertThat(crashed).extracting(WakeSchedule.Claim::user).containsExactlyInAnyOrderElementsOf(users);
        assertThat(crashed).allSatisfy(claim -> assertThat(claim.due()).isEqualTo(NOW - 1_000));

        assertThat(schedule.claimDue(shard, NOW + LEASE - 1, LEASE, 100)).isEmpty();
        assertThat(schedule.claimDue(shard, NOW + LEASE, LEASE, 100)).extracting(WakeSchedule.Claim::user)
                .containsExactlyInAnyOrderElementsOf(Set.copyOf(users));
    }
}
