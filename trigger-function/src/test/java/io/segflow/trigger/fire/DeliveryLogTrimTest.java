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
import java.util.ArrayList;
import java.util.List;
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
    void aLogWrittenPastItsSizeIsTrimmedToTheNewestEntries() throws InterruptedException {
        String trigger = "trim-" + UUID.randomUUID();
        List<String> oldest = write(trigger, 0, 5);
        Thread.sleep(5); // the log orders its entries by the millisecond they were written in
        List<String> newest = write(trigger, 5, DeliveryEntry.KEPT);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(redis.sortedSet(String.class).zcard(TriggerKeys.recent(trigger))).isEqualTo(DeliveryEntry.KEPT);
            assertThat(redis.hash(String.class).hlen(TriggerKeys.log(trigger))).isEqualTo(DeliveryEntry.KEPT);
        });
        assertThat(redis.hash(String.class).hkeys(TriggerKeys.log(trigger))).containsExactlyInAnyOrderElementsOf(newest)
                .doesNotContainAnyElementsOf(oldest);
        assertThat(redis.sortedSet(String.class).zrange(TriggerKeys.recent(trigger), 0, -1))
                .containsExactlyInAnyOrderElementsOf(newest);
    }

    @Test
    void aBatchSentAfterATrimRanIsTrimmedToo() throws InterruptedException {
        String trigger = "trim-late-" + UUID.randomUUID();
        RedisBatch writes = store.writes();
        List<String> ids = add(writes, trigger, 0, DeliveryEntry.KEPT + 5);
        Thread.sleep(1_500); // the trimmer runs (every second) while the entries wait in the batch

        writes.send();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(redis.sortedSet(String.class).zcard(TriggerKeys.recent(trigger))).isEqualTo(DeliveryEntry.KEPT));
        assertThat(redis.hash(String.class).hlen(TriggerKeys.log(trigger))).isEqualTo(DeliveryEntry.KEPT);
        assertThat(ids).hasSize(DeliveryEntry.KEPT + 5);
    }

    /** Writes {@code count} scheduled firings of users {@code from, from + 1, ...} in one batch; their ids. */
    private List<String> write(String trigger, int from, int count) {
        RedisBatch writes = store.writes();
        List<String> ids = add(writes, trigger, from, count);
        writes.send();
        return ids;
    }

    private List<String> add(RedisBatch writes, String trigger, int from, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            Firing firing = firing(trigger, "user-" + i);
            log.scheduled(writes, firing, Instant.now());
            ids.add(firing.id());
        }
        return ids;
    }

    private static Firing firing(String trigger, String user) {
        return new Firing(Firing.idOf(trigger, user, "test"), trigger, user, Firing.ENTERED, "segment", 1L, null, Instant.now(),
                "test", null, TriggerKeys.changesShard(0), Firing.Stage.DELIVER, 0, null, null, null);
    }
}
