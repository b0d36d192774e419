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
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.testkit.KafkaAndRedisResource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * An erased user's trigger state goes with it: after its exits and its {@code erased} record, a profile started again
 * under the same id has no cooldown or cap history, and no trigger's deliveries log holds an entry of it; the exits of
 * the erasure still fire.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class ErasedUserTest extends TriggerFixture {

    @Test
    void aUserErasedAndSeenAgainIsNotHeldByTheCooldownOfItsErasedProfile() throws Exception {
        String segment = unique("seg");
        String welcome = unique("welcome");
        definitions.define(welcome, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'cooldown': '24h', "
                + "'action': " + webhook(receiver.url("/welcome")) + "}");
        definitions.define(unique("goodbye"), "{'when': {'segment': '" + segment + "', 'change': 'exited'}, "
                + "'action': " + webhook(receiver.url("/goodbye")) + "}");
        String user = unique("user");

        changes.send(user, Json.write(change(user, segment, SegmentChange.ENTERED, 1)));
        receiver.await("/welcome", 1, Duration.ofSeconds(30));
        changes.send(user, Json.write(new SegmentChange(user, segment, SegmentChange.EXITED, Instant.now(), 2, SegmentChange.ERASURE)));
        changes.send(user, Json.write(SegmentChange.erased(user, Instant.now(), 3)));
        receiver.await("/goodbye", 1, Duration.ofSeconds(30));
        long generation = definitions.generation(welcome);
        await().atMost(Duration.ofSeconds(30)).until(() -> IntStream.range(0, 64)
                .noneMatch(p -> redis.key().exists(TriggerKeys.fired(TriggerKeys.changesShard(p), welcome, generation, user))));

        changes.send(user, Json.write(change(user, segment, SegmentChange.ENTERED, 1)));
        receiver.await("/welcome", 2, Duration.ofSeconds(30));
        assertThat(definitions.log(welcome)).extracting(e -> e.status().wire()).doesNotContain("suppressed");
    }

    @Test
    void anErasedUsersEntriesLeaveEveryDeliveriesLogAndOtherUsersEntriesStay() throws Exception {
        String segment = unique("seg");
        String welcome = unique("welcome");
        String goodbye = unique("goodbye");
        definitions.define(welcome, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, "
                + "'action': " + webhook(receiver.url("/welcome")) + "}");
        definitions.define(goodbye, "{'when': {'segment': '" + segment + "', 'change': 'exited'}, "
                + "'action': " + webhook(receiver.url("/goodbye")) + "}");
        String erased = unique("user");
        String kept = unique("user");

        changes.send(erased, Json.write(change(erased, segment, SegmentChange.ENTERED, 1)));
        changes.send(erased, Json.write(change(erased, segment, SegmentChange.EXITED, 2)));
        changes.send(erased, Json.write(change(erased, segment, SegmentChange.ENTERED, 3)));
        changes.send(kept, Json.write(change(kept, segment, SegmentChange.ENTERED, 1)));
        await().atMost(Duration.ofSeconds(30)).until(() -> delivered(welcome, erased) == 2 && delivered(goodbye, erased) == 1
                && delivered(welcome, kept) == 1);
        List<String> erasedEntries = Stream.concat(definitions.log(welcome).stream(), definitions.log(goodbye).stream())
                .filter(e -> e.userId().equals(erased)).map(DeliveryEntry::id).toList();

        changes.send(erased, Json.write(new SegmentChange(erased, segment, SegmentChange.EXITED, Instant.now(), 4, SegmentChange.ERASURE)));
        changes.send(erased, Json.write(SegmentChange.erased(erased, Instant.now(), 5)));
        receiver.await("/goodbye", 2, Duration.ofSeconds(30)); // the erasure's exit is still delivered

        // Nor does the erasure's delivered exit write an entry afterwards.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(30)).until(() ->
                Stream.of(welcome, goodbye).allMatch(trigger -> definitions.log(trigger).stream().noneMatch(e -> e.userId().equals(erased))
                        && redis.sortedSet(String.class).zrange(TriggerKeys.recent(trigger), 0, -1).stream().noneMatch(erasedEntries::contains)));
        assertThat(definitions.log(welcome)).extracting(DeliveryEntry::userId).containsExactly(kept);
        assertThat(redis.sortedSet(String.class).zrange(TriggerKeys.recent(welcome), 0, -1)).hasSize(1);
    }

    private long delivered(String trigger, String user) {
        return definitions.log(trigger).stream()
                .filter(e -> e.userId().equals(user) && e.status() == DeliveryEntry.Status.DELIVERED).count();
    }
}
