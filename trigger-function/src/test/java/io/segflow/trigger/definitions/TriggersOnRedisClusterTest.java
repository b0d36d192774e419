package io.segflow.trigger.definitions;

import static io.segflow.trigger.definitions.Definitions.change;
import static io.segflow.trigger.definitions.Definitions.unique;
import static io.segflow.trigger.definitions.Definitions.webhook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.state.Partitioning;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.Firing;
import io.segflow.testkit.OnRedisCluster;
import io.segflow.trigger.fire.ChangeTriggers;
import io.segflow.trigger.fire.FiringStore;
import io.segflow.trigger.rules.TriggerCatalog;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * trigger-function on a Redis Cluster of three masters: a batch's reads and writes go as one pipeline per shard
 * (hash tag) to the shard's master, and the schedule's poll reads the due firings of every owned shard in one batch
 * across them. The shards of partitions 0 and 1 hash to another master than partition 2's.
 */
@QuarkusTest
@TestProfile(OnRedisCluster.class)
class TriggersOnRedisClusterTest extends TriggerFixture {

    @Inject
    FiringStore store;

    @Inject
    TriggerCatalog catalog;

    /** The disablement's MULTI, its script included, runs on the master of the definitions' hash tag. */
    @Test
    void aTriggerIsDisabledOnceWithOneNewRevision() {
        String trigger = unique("gone");
        definitions.define(trigger, "{'when': {'segment': 'any', 'change': 'entered'}, 'action': " + webhook(receiver.url("/gone")) + "}");
        triggers.refresh();
        Instant called = catalog.current().byId().get(trigger).updatedAt();
        long revision = definitions.revision();

        assertThat(store.disable(trigger, called, "the endpoint answered 410 Gone")).isTrue();
        assertThat(store.disable(trigger, called, "the endpoint answered 410 Gone")).as("disabled already").isFalse();

        assertThat(definitions.disabled(trigger)).isTrue();
        assertThat(definitions.revision()).isEqualTo(revision + 1);
    }

    @Test
    void firingsOfShardsOnDifferentMastersAreDecidedStoredAndDelivered() throws Exception {
        String segment = unique("seg");
        String cooled = unique("cooled");
        String delayed = unique("delayed");
        definitions.define(cooled, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'cooldown': '1h', 'action': "
                + webhook(receiver.url("/cooled")) + "}");
        definitions.define(delayed, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'delay': '1s', 'action': "
                + webhook(receiver.url("/delayed")) + "}");
        String returning = unique("returning");
        List<ChangeTriggers.Change> batch = new ArrayList<>();
        for (int partition = 0; partition < 3; partition++) {
            for (int user = 0; user < 2; user++) {
                batch.add(new ChangeTriggers.Change(partition, change(unique("p" + partition), segment, SegmentChange.ENTERED, 1), null));
            }
        }
        // On partition 0: enters, leaves (cancelling its delay) and enters again within the cooldown.
        for (long version = 1; version <= 3; version++) {
            batch.add(new ChangeTriggers.Change(0, change(returning, segment, version == 2 ? SegmentChange.EXITED : SegmentChange.ENTERED, version), null));
        }

        List<Firing> runNow = decide(batch);

        assertThat(runNow).extracting(Firing::triggerId).as("one per user at once; the returning user's second entry cooled down")
                .hasSize(7).containsOnly(cooled);
        assertThat(runNow).extracting(Firing::shard).containsOnly("tc0", "tc1", "tc2");
        assertThat(definitions.log(cooled)).filteredOn(e -> e.status() == DeliveryEntry.Status.SUPPRESSED)
                .singleElement().extracting(DeliveryEntry::suppressed).isEqualTo("cooldown");
        receiver.await("/cooled", 7, Duration.ofSeconds(20));
        // The delays run out in the schedules of all three shards: the poll finds them on both masters.
        receiver.await("/delayed", 7, Duration.ofSeconds(20));
        Thread.sleep(1_500);
        assertThat(receiver.calls("/delayed")).as("the cancelled delay is not delivered").hasSize(7);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(definitions.log(delayed))
                .extracting(DeliveryEntry::status).containsOnly(DeliveryEntry.Status.DELIVERED, DeliveryEntry.Status.CANCELLED)
                .filteredOn(status -> status == DeliveryEntry.Status.CANCELLED).hasSize(1));
        assertThat(decide(batch)).as("the same batch again (after a crash) fires nothing").isEmpty();
    }

    /**
     * The change a merge caused the user reads the merged id's firing times in the id's shard, here on another master
     * than the user's; it writes only the user's shard, where they are kept for the user's next firings.
     */
    @Test
    void aMergedIdsFiringsOnAnotherMasterCoolDownTheUsersEntriesAfterTheMerge() throws Exception {
        String segment = unique("seg");
        String cooled = unique("cooled");
        definitions.define(cooled, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'cooldown': '1h', 'action': "
                + webhook(receiver.url("/merged")) + "}");
        String visitor = idOnPartition("anon", 2);
        String user = idOnPartition("user", 0);
        assertThat(decide(List.of(new ChangeTriggers.Change(2, change(visitor, segment, SegmentChange.ENTERED, 1), null))))
                .as("the visitor's entry fires").hasSize(1);

        List<Firing> merged = decide(List.of(
                new ChangeTriggers.Change(2, new SegmentChange(visitor, segment, SegmentChange.EXITED, Instant.now(), 2,
                        SegmentChange.causedByMergeInto(user)), null),
                new ChangeTriggers.Change(0, new SegmentChange(user, segment, SegmentChange.ENTERED, Instant.now(), 1,
                        SegmentChange.causedByMerge(visitor)), null)));
        List<Firing> returned = decide(List.of(new ChangeTriggers.Change(0, change(user, segment, SegmentChange.EXITED, 2), null),
                new ChangeTriggers.Change(0, change(user, segment, SegmentChange.ENTERED, 3), null)));

        assertThat(merged).as("the merge's entry, within the visitor's cooldown").isEmpty();
        assertThat(returned).as("the user's own entry after it, within the visitor's cooldown").isEmpty();
        assertThat(definitions.log(cooled)).filteredOn(e -> e.userId().equals(user)).extracting(DeliveryEntry::suppressed)
                .containsExactly("cooldown", "cooldown");
        receiver.await("/merged", 1, Duration.ofSeconds(20));
    }

    /** An id whose changes go to partition {@code partition} of segflow.segment-changes (three in the tests' Kafka). */
    private static String idOnPartition(String prefix, int partition) {
        String id = unique(prefix);
        while (Partitioning.partitionOf(id, 3) != partition) {
            id = unique(prefix);
        }
        return id;
    }
}
