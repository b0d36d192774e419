package io.segflow.trigger.fire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A trigger's deliveries log is trimmed to its newest entries in the background, not by its writers. */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class DeliveryLogTrimTest {

    @Inject
    DeliveryLog log;

    @Inject
    FiringStore store;

    @Inject
    RedisDataSource redis;

    @Test
    void aLogWrittenPastItsSizeIsTrimmedToTheNewestEntries() {
        String trigger = "trim-" + UUID.randomUUID();
        RedisBatch writes = store.writes();
        for (int i = 0; i < DeliveryEntry.KEPT + 5; i++) {
            log.scheduled(writes, firing(trigger, "user-" + i), Instant.now());
        }
        writes.send();
        assertThat(redis.sortedSet(String.class).zcard(TriggerKeys.recent(trigger))).isEqualTo(DeliveryEntry.KEPT + 5);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(redis.sortedSet(String.class).zcard(TriggerKeys.recent(trigger))).isEqualTo(DeliveryEntry.KEPT);
            assertThat(redis.hash(String.class).hlen(TriggerKeys.log(trigger))).isEqualTo(DeliveryEntry.KEPT);
        });
    }

    private static Firing firing(String trigger, String user) {
        return new Firing(Firing.idOf(trigger, user, "test"), trigger, user, Firing.ENTERED, "segment", 1L, null, Instant.now(),
                "test", null, TriggerKeys.changesShard(0), Firing.Stage.DELIVER, 0, null, null);
    }
}
