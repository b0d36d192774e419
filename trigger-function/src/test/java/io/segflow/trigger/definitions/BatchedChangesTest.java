package io.segflow.trigger.definitions;

import static io.segflow.trigger.definitions.Definitions.change;
import static io.segflow.trigger.definitions.Definitions.unique;
import static io.segflow.trigger.definitions.Definitions.webhook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.trigger.fire.ChangeTriggers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A consumed batch's firings are read and stored together: a user's several changes in one batch still count
 * against the cooldown and cap one after the other, and a delay is cancelled by an exit in the same batch. Cooldowns
 * and caps are the trigger's as long as it exists, saved again or not, and not those of a deleted one under its id.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class BatchedChangesTest extends TriggerFixture {

    @Test
    void aUsersChangesInOneBatchCountAgainstCooldownAndCapInOrder() throws Exception {
        String segment = unique("seg");
        String user = unique("user");
        String cooled = unique("cooled");
        String capped = unique("capped");
        definitions.define(cooled, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'cooldown': '1h', 'action': "
                + webhook(receiver.url("/cooled")) + "}");
        definitions.define(capped, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'cap': {'count': 2, 'per': '7d'}, "
                + "'action': " + webhook(receiver.url("/capped")) + "}");
        List<ChangeTriggers.Change> batch = new ArrayList<>();
        String other = unique("other");
        for (long version = 1; version <= 5; version++) {
            batch.add(new ChangeTriggers.Change(3, change(user, segment, version % 2 == 1 ? SegmentChange.ENTERED : SegmentChange.EXITED, version), null));
            batch.add(new ChangeTriggers.Change(4, change(other + version, segment, SegmentChange.ENTERED, 1), null));
        }

        List<Firing> runNow = decide(batch);

        assertThat(runNow.stream().filter(f -> f.userId().equals(user)).map(Firing::triggerId))
                .containsExactlyInAnyOrder(cooled, capped, capped);
        assertThat(runNow.stream().filter(f -> !f.userId().equals(user))).as("other users are not held up").hasSize(10);
        assertThat(suppressed(definitions.log(cooled))).containsExactly("cooldown", "cooldown");
        assertThat(suppressed(definitions.log(capped))).containsExactly("cap");
        receiver.await("/capped", 7, Duration.ofSeconds(20));
        assertThat(decide(batch)).as("the same batch again (after a crash) fires nothing").isEmpty();
    }

    @Test
    void anExitInTheSameBatchCancelsTheDelay() throws Exception {
        String segment = unique("seg");
        String trigger = unique("reminder");
        definitions.define(trigger, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'delay': '1s', "
                + "'action': " + webhook(receiver.url("/cancelled")) + "}");
        List<ChangeTriggers.Change> batch = IntStream.rangeClosed(1, 2).mapToObj(version -> new ChangeTriggers.Change(1,
                change("u-" + trigger, segment, version == 1 ? SegmentChange.ENTERED : SegmentChange.EXITED, version), null)).toList();

        assertThat(decide(batch)).isEmpty();

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(definitions.log(trigger))
                .singleElement().extracting(DeliveryEntry::status).isEqualTo(DeliveryEntry.Status.CANCELLED));
        Thread.sleep(1_500);
        assertThat(receiver.calls("/cancelled")).isEmpty();
    }

    @Test
    void aFullPollIsStoredInPipelinesAConnectionTakes() throws Exception {
        String segment = unique("seg");
        definitions.define(unique("many"), "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'action': "
                + webhook(receiver.url("/many")) + "}");
        List<ChangeTriggers.Change> batch = IntStream.range(0, 1000).mapToObj(i -> new ChangeTriggers.Change(0,
                change(segment + "-u" + i, segment, SegmentChange.ENTERED, 1), null)).toList();

        assertThat(decide(batch)).as("8,000 commands on one shard, more than one connection takes at once").hasSize(1000);

        receiver.await("/many", 1000, Duration.ofSeconds(30));
    }

    @Test
    void aTriggerSavedAfterTheDefinitionsWereReadFiresForTheNextBatch() throws Exception {
        String segment = unique("seg");
        String first = unique("first");
        definitions.define(first, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'action': "
                + webhook(receiver.url("/first")) + "}");
        assertThat(decide(List.of(new ChangeTriggers.Change(2, change(unique("u"), segment, SegmentChange.ENTERED, 1), null))))
                .extracting(Firing::triggerId).containsExactly(first);
        String second = unique("second");
        definitions.define(second, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'action': "
                + webhook(receiver.url("/second")) + "}");

        List<Firing> runNow = new ArrayList<>();
        triggers.onChanges(List.of(new ChangeTriggers.Change(2, change(unique("u"), segment, SegmentChange.ENTERED, 1), null)), runNow);
        triggers.handOver(runNow);

        assertThat(runNow).as("the batch's own reads find the new definitions, no refresh before it")
                .extracting(Firing::triggerId).containsExactlyInAnyOrder(first, second);
        receiver.await("/second", 1, Duration.ofSeconds(20));
    }

    /**
     * A trigger saved again (a longer cooldown, or disabled and enabled) keeps its users' firing times; one deleted and
     * created again under the same id is another trigger, held back by none of the deleted one's.
     */
    @Test
    void aTriggerCreatedAgainStartsWithoutTheDeletedOnesCooldownAndCapWhileASaveKeepsThem() throws Exception {
        String segment = unique("seg");
        String user = unique("user");
        String cooled = unique("cooled");
        String capped = unique("capped");
        String cooldown = "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'cooldown': '1h', 'action': ";
        String cap = "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'cap': {'count': 1, 'per': '7d'}, 'action': ";
        definitions.define(cooled, cooldown + webhook(receiver.url("/cooled")) + "}");
        definitions.define(capped, cap + webhook(receiver.url("/capped")) + "}");
        assertThat(decide(entered(user, segment, 1))).extracting(Firing::triggerId).containsExactlyInAnyOrder(cooled, capped);

        definitions.define(cooled, cooldown.replace("'1h'", "'2h'") + webhook(receiver.url("/cooled-saved")) + "}");
        definitions.define(capped, cap + webhook(receiver.url("/capped-saved")) + ", 'enabled': false}");
        definitions.define(capped, cap + webhook(receiver.url("/capped-saved")) + "}");
        assertThat(decide(entered(user, segment, 3))).as("saved again: the same triggers, their firing times kept").isEmpty();
        assertThat(suppressed(definitions.log(cooled))).containsExactly("cooldown");
        assertThat(suppressed(definitions.log(capped))).containsExactly("cap");

        for (String trigger : List.of(cooled, capped)) {
            definitions.delete(trigger);
        }
        definitions.define(cooled, cooldown + webhook(receiver.url("/cooled-new")) + "}");
        definitions.define(capped, cap + webhook(receiver.url("/capped-new")) + "}");
        assertThat(decide(entered(user, segment, 5))).as("created again: no cooldown running, no firing counted")
                .extracting(Firing::triggerId).containsExactlyInAnyOrder(cooled, capped);
        receiver.await("/cooled-new", 1, Duration.ofSeconds(20));
        receiver.await("/capped-new", 1, Duration.ofSeconds(20));
    }

    /** A trigger stored without a generation keeps its users' firing times, where they are, when saved again. */
    @Test
    void aTriggerStoredWithoutAGenerationKeepsItsCooldownWhenSavedAgain() throws Exception {
        String segment = unique("seg");
        String user = unique("user");
        String cooled = unique("cooled");
        String cooldown = "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'cooldown': '1h', 'action': ";
        definitions.define(cooled, cooldown + webhook(receiver.url("/cooled")) + "}");
        redis.hash(String.class).hdel(TriggerKeys.GENERATIONS, cooled);
        redis.value(Long.class).incr(TriggerKeys.REVISION); // read again, without its generation
        assertThat(decide(entered(user, segment, 1))).extracting(Firing::triggerId).containsExactly(cooled);
        assertThat(redis.key().exists(TriggerKeys.fired(TriggerKeys.changesShard(3), cooled, 0, user)))
                .as("under the bare trigger id: generation 0").isTrue();

        definitions.define(cooled, cooldown + webhook(receiver.url("/cooled-saved")) + "}");

        assertThat(decide(entered(user, segment, 3))).as("its firing times kept").isEmpty();
        assertThat(suppressed(definitions.log(cooled))).containsExactly("cooldown");
        assertThat(redis.hash(String.class).hget(TriggerKeys.GENERATIONS, cooled)).isEqualTo("0");
    }

    private static List<ChangeTriggers.Change> entered(String user, String segment, long version) {
        return List.of(new ChangeTriggers.Change(3, change(user, segment, SegmentChange.ENTERED, version), null));
    }

    private static List<String> suppressed(List<DeliveryEntry> log) {
        return log.stream().filter(e -> e.status() == DeliveryEntry.Status.SUPPRESSED).map(DeliveryEntry::suppressed).toList();
    }
}
