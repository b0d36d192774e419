package io.segflow.trigger.definitions;

import static io.segflow.trigger.definitions.Definitions.change;
import static io.segflow.trigger.definitions.Definitions.unique;
import static io.segflow.trigger.definitions.Definitions.webhook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.segflow.core.membership.SegmentChange;
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
}
