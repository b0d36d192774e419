package io.segflow.trigger.definitions;

import static io.segflow.trigger.definitions.Definitions.change;
import static io.segflow.trigger.definitions.Definitions.unique;
import static io.segflow.trigger.definitions.Definitions.webhook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.state.Partitioning;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.trigger.fire.ChangeTriggers;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A visitor merged into a user is one person: the visitor's firings of a segment trigger count toward the user's
 * cooldown and cap, for the user's changes the merge caused ({@code merged:<visitor>}) and the user's later ones. The
 * visitor and the user are on different partitions of segflow.segment-changes, as their ids usually are.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class MergedIdTriggersTest extends TriggerFixture {
    /** The partitions of segflow.segment-changes in the tests' Kafka. */
    private static final int PARTITIONS = 3;

    private void send(SegmentChange change) {
        changes.send(change.userId(), Json.write(change));
    }

    /** segment-function's merge of {@code visitor}, in {@code segment}, into {@code user}, who was not in it. */
    private void merge(String visitor, long visitorVersion, String user, long userVersion, String segment) {
        send(new SegmentChange(visitor, segment, SegmentChange.EXITED, Instant.now(), visitorVersion,
                SegmentChange.causedByMergeInto(user)));
        send(SegmentChange.merged(visitor, user, Instant.now(), visitorVersion + 1));
        send(new SegmentChange(user, segment, SegmentChange.ENTERED, Instant.now(), userVersion,
                SegmentChange.causedByMerge(visitor)));
    }

    /** A user id whose changes go to another partition than {@code visitor}'s. */
    private static String userBesides(String visitor) {
        String user = unique("user");
        while (Partitioning.partitionOf(user, PARTITIONS) == Partitioning.partitionOf(visitor, PARTITIONS)) {
            user = unique("user");
        }
        return user;
    }

    private String cooledTrigger(String segment, String path, String limits) {
        String trigger = unique("cart-reminder");
        definitions.define(trigger, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, " + limits + ", 'action': "
                + webhook(receiver.url(path)) + "}");
        return trigger;
    }

    private List<String> suppressed(String trigger, String user) {
        return definitions.log(trigger).stream().filter(e -> e.userId().equals(user) && e.status() == DeliveryEntry.Status.SUPPRESSED)
                .map(DeliveryEntry::suppressed).toList();
    }

    /** The visitor enters the segment and the trigger's first call for it is made: the firing the merge then meets. */
    private void visitorEnteredAndWasFired(String visitor, String segment, String path) throws Exception {
        send(change(visitor, segment, SegmentChange.ENTERED, 1));
        receiver.await(path, 1, Duration.ofSeconds(20));
    }

    private static String userOf(WebhookReceiver.Call call) {
        return Json.read(call.body(), JsonNode.class).at("/data/userId").asText();
    }

    @Test
    void theVisitorsFiringCoolsDownTheUsersEntryCausedByTheMergeAndTheUsersNextEntries() throws Exception {
        String segment = unique("cart-abandoners");
        String trigger = cooledTrigger(segment, "/cooled", "'cooldown': '1h'");
        String visitor = unique("anon");
        String user = userBesides(visitor);
        visitorEnteredAndWasFired(visitor, segment, "/cooled");

        merge(visitor, 2, user, 1, segment);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(suppressed(trigger, user)).containsExactly("cooldown"));
        // The user leaves and comes back within the hour: still the visitor's cooldown.
        send(change(user, segment, SegmentChange.EXITED, 2));
        send(change(user, segment, SegmentChange.ENTERED, 3));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(suppressed(trigger, user)).hasSize(2));

        awaitHandled(user, 4);
        assertThat(receiver.calls("/cooled")).as("one email for the person within the cooldown").singleElement()
                .extracting(MergedIdTriggersTest::userOf).isEqualTo(visitor);
    }

    @Test
    void theVisitorsFiringsCountAgainstTheUsersCap() throws Exception {
        String segment = unique("cart-abandoners");
        String trigger = cooledTrigger(segment, "/capped", "'cap': {'count': 3, 'per': '7d'}");
        String visitor = unique("anon");
        String user = userBesides(visitor);
        for (long version = 1; version <= 3; version++) {
            send(change(visitor, segment, version == 2 ? SegmentChange.EXITED : SegmentChange.ENTERED, version));
        }
        receiver.await("/capped", 2, Duration.ofSeconds(20));

        merge(visitor, 4, user, 1, segment);
        receiver.await("/capped", 3, Duration.ofSeconds(20));
        send(change(user, segment, SegmentChange.EXITED, 2));
        send(change(user, segment, SegmentChange.ENTERED, 3));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(suppressed(trigger, user)).containsExactly("cap"));

        awaitHandled(user, 4);
        assertThat(receiver.calls("/capped")).extracting(MergedIdTriggersTest::userOf).as("three for the person in the week")
                .containsExactly(visitor, visitor, user);
    }

    @Test
    void aMergeWithNoEarlierFiringOfTheTriggerFires() throws Exception {
        String segment = unique("cart-abandoners");
        String browsed = unique("browsers");
        String trigger = cooledTrigger(segment, "/cart", "'cooldown': '1h'");
        cooledTrigger(browsed, "/browsed", "'cooldown': '1h'");
        String visitor = unique("anon");
        String user = userBesides(visitor);
        send(change(visitor, browsed, SegmentChange.ENTERED, 1));
        receiver.await("/browsed", 1, Duration.ofSeconds(20));

        // The merge brings the user into the segment the visitor was not in: the visitor's firing of another trigger
        // does not count.
        send(SegmentChange.merged(visitor, user, Instant.now(), 2));
        send(new SegmentChange(user, segment, SegmentChange.ENTERED, Instant.now(), 1, SegmentChange.causedByMerge(visitor)));

        assertThat(receiver.await("/cart", 1, Duration.ofSeconds(20))).singleElement()
                .extracting(MergedIdTriggersTest::userOf).isEqualTo(user);
        assertThat(suppressed(trigger, user)).isEmpty();
    }

    @Test
    void aMergeAfterTheVisitorsCooldownRanOutFires() throws Exception {
        String segment = unique("cart-abandoners");
        cooledTrigger(segment, "/short", "'cooldown': '1s'");
        String visitor = unique("anon");
        String user = userBesides(visitor);
        visitorEnteredAndWasFired(visitor, segment, "/short");
        Thread.sleep(1_500); // the visitor's cooldown runs out

        merge(visitor, 2, user, 1, segment);

        assertThat(receiver.await("/short", 2, Duration.ofSeconds(20))).extracting(MergedIdTriggersTest::userOf)
                .containsExactly(visitor, user);
    }

    @Test
    void aDelayedEntryOfTheMergeMeetsTheVisitorsCooldownWhenItsDelayIsOver() throws Exception {
        String segment = unique("cart-abandoners");
        String trigger = cooledTrigger(segment, "/later", "'delay': '1s', 'cooldown': '1h'");
        String visitor = unique("anon");
        String user = userBesides(visitor);
        visitorEnteredAndWasFired(visitor, segment, "/later");

        merge(visitor, 2, user, 1, segment);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(suppressed(trigger, user)).containsExactly("cooldown"));
        assertThat(receiver.calls("/later")).extracting(MergedIdTriggersTest::userOf).containsExactly(visitor);
    }

    @Test
    void aVisitorsDelayStillRunningAtTheMergeIsDeliveredOnceForTheUser() throws Exception {
        String segment = unique("cart-abandoners");
        String trigger = cooledTrigger(segment, "/reminder", "'delay': '2s', 'cooldown': '1h'");
        String visitor = unique("anon");
        String user = userBesides(visitor);
        send(change(visitor, segment, SegmentChange.ENTERED, 1));
        await().atMost(Duration.ofSeconds(20)).until(() -> definitions.log(trigger).size() == 1); // scheduled

        merge(visitor, 2, user, 1, segment);

        assertThat(receiver.await("/reminder", 1, Duration.ofSeconds(20))).singleElement()
                .extracting(MergedIdTriggersTest::userOf).isEqualTo(user);
        Thread.sleep(2_500); // past the visitor's due time
        assertThat(receiver.calls("/reminder")).hasSize(1);
        assertThat(definitions.log(trigger)).filteredOn(e -> e.userId().equals(visitor)).singleElement()
                .extracting(DeliveryEntry::status).isEqualTo(DeliveryEntry.Status.CANCELLED);
    }

    @Test
    void aDelayedEntryOfTheMergeCancelledStillLeavesTheVisitorsCooldownToTheUser() throws Exception {
        String segment = unique("cart-abandoners");
        String trigger = cooledTrigger(segment, "/held", "'delay': '1s', 'cooldown': '1h'");
        String visitor = unique("anon");
        String user = userBesides(visitor);
        visitorEnteredAndWasFired(visitor, segment, "/held");

        merge(visitor, 2, user, 1, segment);
        send(change(user, segment, SegmentChange.EXITED, 2)); // before the delay is over: cancels the merge's entry
        send(change(user, segment, SegmentChange.ENTERED, 3));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(suppressed(trigger, user)).containsExactly("cooldown"));
        assertThat(definitions.log(trigger)).filteredOn(e -> e.userId().equals(user))
                .extracting(DeliveryEntry::status).containsExactlyInAnyOrder(DeliveryEntry.Status.CANCELLED, DeliveryEntry.Status.SUPPRESSED);
        assertThat(receiver.calls("/held")).extracting(MergedIdTriggersTest::userOf).containsExactly(visitor);
    }

    @Test
    void aDelayedEntryOfTheMergeCountsEachOfTheVisitorsFiringsOnce() throws Exception {
        String segment = unique("cart-abandoners");
        String trigger = cooledTrigger(segment, "/twice", "'delay': '1s', 'cap': {'count': 2, 'per': '7d'}");
        String visitor = unique("anon");
        String user = userBesides(visitor);
        visitorEnteredAndWasFired(visitor, segment, "/twice");

        // The visitor's firing joins the user's when the merge's entry is read, and is read again when its delay is
        // over: one firing of two.
        merge(visitor, 2, user, 1, segment);
        receiver.await("/twice", 2, Duration.ofSeconds(20));
        send(change(user, segment, SegmentChange.EXITED, 2));
        send(change(user, segment, SegmentChange.ENTERED, 3));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(suppressed(trigger, user)).containsExactly("cap"));
        assertThat(receiver.calls("/twice")).extracting(MergedIdTriggersTest::userOf).containsExactly(visitor, user);
    }

    /**
     * trigger-function behind on the visitor's partition: the visitor's entry, read after the user's entry the merge
     * caused, fires while that one waits out its delay, which then counts it.
     */
    @Test
    void aDelayedEntryOfTheMergeCountsAVisitorsFiringStoredWhileItWaited() throws Exception {
        String segment = unique("cart-abandoners");
        String trigger = cooledTrigger(segment, "/late", "'delay': '2s', 'cooldown': '1h'");
        String visitor = unique("anon");
        String user = userBesides(visitor);
        Instant merged = Instant.now();

        decide(List.of(new ChangeTriggers.Change(Partitioning.partitionOf(user, PARTITIONS),
                new SegmentChange(user, segment, SegmentChange.ENTERED, merged, 1, SegmentChange.causedByMerge(visitor)), null)));
        decide(List.of(new ChangeTriggers.Change(Partitioning.partitionOf(visitor, PARTITIONS),
                new SegmentChange(visitor, segment, SegmentChange.ENTERED, merged.minusSeconds(10), 1,
                        SegmentChange.causedByEvent("m1")), null)));

        receiver.await("/late", 1, Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(suppressed(trigger, user)).containsExactly("cooldown"));
        assertThat(receiver.calls("/late")).extracting(MergedIdTriggersTest::userOf).containsExactly(visitor);
    }
}
