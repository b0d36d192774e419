package io.segflow.trigger.definitions;

import static io.segflow.trigger.definitions.Definitions.change;
import static io.segflow.trigger.definitions.Definitions.unique;
import static io.segflow.trigger.definitions.Definitions.webhook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.trigger.fire.FiringStore;
import io.segflow.trigger.fire.RedisBatch;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Delayed firings that come due together: trigger-function was stopped or behind while their delays ran out, and one
 * poll claims them all. Two of one user and trigger still count against the cooldown one after the other.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class DueDelaysTest extends TriggerFixture {
    private static final int USERS = 20;

    @Inject
    FiringStore store;

    /**
     * Each user entered, exited after the delay was over (which cancels nothing) and entered again: two firings, both
     * due. They are stored at once, as an instance that was stopped meanwhile finds them, so that one poll claims them
     * together (written change by change, a poll could claim the first before the second is stored).
     */
    @Test
    void twoDueDelayedFiringsOfOneUserCountAgainstTheCooldownOneAfterTheOther() throws Exception {
        String segment = unique("seg");
        String trigger = unique("reminder");
        definitions.define(trigger, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'delay': '2s', "
                + "'cooldown': '1h', 'action': " + webhook(receiver.url("/due-together")) + "}");
        consumerIsReading();
        Instant start = Instant.now();
        String shard = TriggerKeys.changesShard(1);
        RedisBatch writes = store.writes();
        List<String> users = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            String user = unique("user");
            users.add(user);
            // Entered at -20 s (due at -18 s), exited at -15 s, entered again at -10 s (due at -8 s).
            for (SegmentChange entered : List.of(
                    new SegmentChange(user, segment, SegmentChange.ENTERED, start.minusSeconds(20), 1, "event:m1"),
                    new SegmentChange(user, segment, SegmentChange.ENTERED, start.minusSeconds(10), 3, "event:m3"))) {
                Firing waiting = new Firing(Firing.idOf(trigger, user, segment + ":entered:" + entered.version() + ":" + entered.cause()),
                        trigger, user, Firing.ENTERED, segment, entered.version(), null, entered.at(), entered.cause(), null,
                        shard, Firing.Stage.DELAY, 0, null, null, null);
                store.delay(writes, waiting, entered.at().plusSeconds(2).toEpochMilli(), 2_000);
            }
        }
        writes.send();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(definitions.log(trigger)).hasSize(2 * USERS)
                .noneMatch(e -> e.status() == DeliveryEntry.Status.SCHEDULED));
        Map<String, List<String>> outcomes = definitions.log(trigger).stream().collect(Collectors.groupingBy(DeliveryEntry::userId,
                Collectors.mapping(e -> e.status() == DeliveryEntry.Status.SUPPRESSED ? "suppressed:" + e.suppressed() : e.status().toString(),
                        Collectors.toList())));
        assertThat(outcomes).hasSize(USERS).allSatisfy((user, statuses) -> assertThat(statuses).as(user)
                .containsExactlyInAnyOrder(DeliveryEntry.Status.DELIVERED.toString(), "suppressed:cooldown"));
        assertThat(receiver.calls("/due-together")).hasSize(USERS);
    }
}
