package io.segflow.trigger.fire;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.json.Json;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** An erased user's entries leave a trigger's deliveries log; only that user's, however its id is spelled in JSON. */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class DeliveryLogForgetTest {

    @Inject
    DeliveryLog log;

    @Inject
    FiringStore store;

    @Inject
    RedisDataSource redis;

    @Test
    void onlyTheErasedUsersEntriesLeaveTheLog() {
        String trigger = "forget-" + UUID.randomUUID();
        String other = "forget-other-" + UUID.randomUUID();
        String erased = "erased \"quoted\"/ü\\ " + UUID.randomUUID();
        String kept = "kept-" + UUID.randomUUID();
        RedisBatch writes = store.writes();
        Firing first = firing(trigger, erased, "1", Map.of());
        Firing second = firing(trigger, erased, "2", Map.of("plan", "pro"));
        // Another user's event that names the erased user in its properties stays: it is not the erased user's entry.
        Firing naming = firing(trigger, kept, "3", Map.of("userId", erased));
        Firing elsewhere = firing(other, erased, "4", Map.of());
        List.of(first, second, naming).forEach(f -> log.scheduled(writes, f, Instant.now()));
        log.scheduled(writes, elsewhere, Instant.now());
        writes.send();

        log.forget(List.of(trigger, other), List.of(erased));

        assertThat(redis.hash(String.class).hkeys(TriggerKeys.log(trigger))).containsExactly(naming.id());
        assertThat(redis.sortedSet(String.class).zrange(TriggerKeys.recent(trigger), 0, -1)).containsExactly(naming.id());
        assertThat(Json.read(redis.hash(String.class).hget(TriggerKeys.log(trigger), naming.id()), DeliveryEntry.class).userId())
                .isEqualTo(kept);
        assertThat(redis.hash(String.class).hlen(TriggerKeys.log(other))).isZero();
        assertThat(redis.sortedSet(String.class).zcard(TriggerKeys.recent(other))).isZero();
    }

    private static Firing firing(String trigger, String user, String source, Map<String, Object> properties) {
        return new Firing(Firing.idOf(trigger, user, source), trigger, user, Firing.FIRED, null, null, "Order Completed",
                Instant.now(), "event:" + source, null, TriggerKeys.eventsShard(0), Firing.Stage.DELIVER, 0, null, properties, null);
    }
}
