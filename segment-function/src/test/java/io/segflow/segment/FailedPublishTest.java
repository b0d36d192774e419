package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.redis.RedisKeys;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;

/**
 * Kafka refuses a wave's publish: the transaction is aborted, so none of the wave's records reach a consumer (not
 * even other users' good ones), the leases are given back at once, the records stay, and the retry publishes each
 * exactly once.
 */
@QuarkusTest
class FailedPublishTest extends SegmentFunctionTestBase {

    @Inject
    OutboxScripts scripts;

    @Inject
    ChangePublisher publisher;

    private final String fine = "fine-" + UUID.randomUUID();
    private final String broken = "broken-" + UUID.randomUUID();

    private static String change(String user, long version, String cause) {
        return Json.write(new SegmentChange(user, "vip", SegmentChange.ENTERED, Instant.now(), version, cause));
    }

    private List<Outbox.Claim> claimBoth() {
        return scripts.claimAll(Outbox.newToken(), fine, broken);
    }

    private List<Long> versionsOf(String user) {
        return changes.drain(r -> user.equals(r.key()), Duration.ofSeconds(2)).stream()
                .map(r -> Json.read(r.value(), SegmentChange.class).version()).toList();
    }

    @Test
    void aRefusedPublishShowsNothingReleasesTheLeasesAndTheRetryPublishesOnce() {
        redis.list(String.class).rpush(RedisKeys.outbox(fine), change(fine, 1, "test"));
        // Larger than the producer's max.request.size (1 MB): Kafka refuses it, and with it the whole transaction.
        redis.list(String.class).rpush(RedisKeys.outbox(broken), change(broken, 1, "test"), change(broken, 2, "x".repeat(2_000_000)));

        assertThatThrownBy(() -> publisher.deliverAll(claimBoth())).isInstanceOf(KafkaException.class);

        assertThat(redis.key().exists(RedisKeys.outboxLease(fine), RedisKeys.outboxLease(broken))).isZero();
        assertThat(redis.list(String.class).llen(RedisKeys.outbox(fine))).isEqualTo(1);
        assertThat(redis.list(String.class).llen(RedisKeys.outbox(broken))).isEqualTo(2);
        assertThat(versionsOf(fine)).as("the aborted transaction's records").isEmpty();

        redis.list(String.class).lset(RedisKeys.outbox(broken), 1, change(broken, 2, "test"));
        List<Outbox.Claim> retry = claimBoth();
        assertThat(retry).allSatisfy(claim -> assertThat(claim).isInstanceOfSatisfying(Outbox.Claimed.class,
                claimed -> assertThat(claimed.unfinished()).as("the failed drainer's marker").isNotNull()));
        publisher.deliverAll(retry);

        changes.await(r -> broken.equals(r.key()), 2, Duration.ofSeconds(30));
        assertThat(versionsOf(fine)).containsExactly(1L);
        assertThat(versionsOf(broken)).containsExactly(1L, 2L);
        assertThat(redis.key().exists(RedisKeys.outbox(fine), RedisKeys.outbox(broken))).isZero();
    }
}
