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
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A delay: fired when it is over if the user is still in, to within a second; cancelled when the user leaves before
 * it is over, by the changes' times (a change read early but dated after the due time cancels nothing).
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class DelayTest extends TriggerFixture {

    @Test
    void aUserStillInWhenTheDelayIsOverIsFiredOnTime() throws Exception {
        String segment = unique("seg");
        definitions.define(unique("reminder"), "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'delay': '2s', "
                + "'action': " + webhook(receiver.url("/reminder")) + "}");
        consumerIsReading();
        SegmentChange entered = change(unique("user"), segment, SegmentChange.ENTERED, 1);

        changes.send(entered.userId(), Json.write(entered));

        WebhookReceiver.Call call = receiver.await("/reminder", 1, Duration.ofSeconds(20)).get(0);
        Duration late = Duration.between(entered.at().plusSeconds(2), call.at());
        assertThat(late).as("fired when the delay was over, to within a second").isBetween(Duration.ZERO, Duration.ofSeconds(1));
        assertThat(call.signed()).isTrue();
    }

    /**
     * Firings waiting out a delay when their trigger is deleted and created again under its id are the deleted one's:
     * dropped when due. Those of a trigger disabled and enabled again before then go on.
     */
    @Test
    void aTriggerDeletedAndCreatedAgainDropsTheWaitingFiringsButOneReEnabledKeepsThem() throws Exception {
        String segment = unique("seg");
        String recreated = unique("recreated");
        String reEnabled = unique("re-enabled");
        String when = "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'delay': '2s', 'action': ";
        definitions.define(recreated, when + webhook(receiver.url("/recreated-old")) + "}");
        definitions.define(reEnabled, when + webhook(receiver.url("/re-enabled")) + "}");
        consumerIsReading();
        String user = unique("user");

        changes.send(user, Json.write(change(user, segment, SegmentChange.ENTERED, 1)));
        await().atMost(Duration.ofSeconds(10)).until(() -> definitions.log(recreated).size() == 1 && definitions.log(reEnabled).size() == 1);
        definitions.delete(recreated);
        definitions.define(recreated, when + webhook(receiver.url("/recreated-new")) + "}");
        definitions.define(reEnabled, when.replace("'delay'", "'enabled': false, 'delay'") + webhook(receiver.url("/re-enabled")) + "}");
        definitions.define(reEnabled, when + webhook(receiver.url("/re-enabled")) + "}");

        receiver.await("/re-enabled", 1, Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(definitions.log(recreated)).singleElement()
                .satisfies(e -> {
                    assertThat(e.status()).isEqualTo(DeliveryEntry.Status.CANCELLED);
                    assertThat(e.suppressed()).isEqualTo("trigger deleted");
                }));
        assertThat(receiver.calls("/recreated-new")).isEmpty();
        assertThat(receiver.calls("/recreated-old")).isEmpty();
    }

    @Test
    void leavingBeforeTheDelayIsOverCancelsTheFiring() throws Exception {
        String segment = unique("seg");
        String trigger = unique("reminder");
        definitions.define(trigger, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'delay': '2s', "
                + "'action': " + webhook(receiver.url("/cancelled")) + "}");
        String user = unique("user");

        changes.send(user, Json.write(change(user, segment, SegmentChange.ENTERED, 1)));
        changes.send(user, Json.write(change(user, segment, SegmentChange.EXITED, 2)));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(definitions.log(trigger))
                .singleElement().extracting(DeliveryEntry::status).isEqualTo(DeliveryEntry.Status.CANCELLED));
        Thread.sleep(2_500);
        assertThat(receiver.calls("/cancelled")).isEmpty();
    }

    /**
     * A cancellation whose log entry could not be written (Redis refused it, or the instance died) is logged when the
     * change is handled again: the firing leaves the schedule only once its entry says so, not before, which would
     * leave the log showing it scheduled for ever.
     */
    @Test
    void aCancellationWhoseLogEntryFailedIsLoggedWhenTheExitIsHandledAgain() throws Exception {
        String segment = unique("seg");
        String trigger = unique("reminder");
        definitions.define(trigger, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'delay': '1m', "
                + "'action': " + webhook(receiver.url("/refused-log")) + "}");
        String user = unique("user");
        changes.send(user, Json.write(change(user, segment, SegmentChange.ENTERED, 1)));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(definitions.log(trigger))
                .singleElement().extracting(DeliveryEntry::status).isEqualTo(DeliveryEntry.Status.SCHEDULED));

        // A value of another type where the log is kept: Redis refuses the entry of the cancellation (WRONGTYPE).
        String log = TriggerKeys.log(trigger);
        Map<String, String> scheduled = redis.hash(String.class).hgetall(log);
        redis.key().del(log);
        redis.value(String.class).set(log, "in the way");
        long refusedBefore = wrongTypeRefusals();
        changes.send(user, Json.write(change(user, segment, SegmentChange.EXITED, 2)));
        await().atMost(Duration.ofSeconds(10)).until(() -> wrongTypeRefusals() > refusedBefore);
        redis.withTransaction(tx -> {
            tx.key().del(log);
            tx.hash(String.class).hset(log, scheduled);
        });

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(definitions.log(trigger))
                .singleElement().extracting(DeliveryEntry::status).isEqualTo(DeliveryEntry.Status.CANCELLED));
    }

    private long wrongTypeRefusals() {
        Matcher count = Pattern.compile("errorstat_WRONGTYPE:count=(\\d+)").matcher(redis.execute("INFO", "errorstats").toString());
        return count.find() ? Long.parseLong(count.group(1)) : 0;
    }

    @Test
    void leavingAfterTheDelayWasOverLeavesTheFiringEvenWhenTheExitIsReadFirst() throws Exception {
        String segment = unique("seg");
        String trigger = unique("reminder");
        definitions.define(trigger, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'delay': '4s', "
                + "'action': " + webhook(receiver.url("/held")) + "}");
        String user = unique("user");
        Instant start = Instant.now();
        // Entered at -1 s: due at +3 s. The exit is dated +5 s (a client clock ahead) but read now, 3 s before the
        // firing is due; the re-entry at +6 s waits until +10 s.
        changes.send(user, Json.write(new SegmentChange(user, segment, SegmentChange.ENTERED, start.minusSeconds(1), 1, "event:m1")));
        changes.send(user, Json.write(new SegmentChange(user, segment, SegmentChange.EXITED, start.plusSeconds(5), 2, "event:m2")));
        changes.send(user, Json.write(new SegmentChange(user, segment, SegmentChange.ENTERED, start.plusSeconds(6), 3, "event:m3")));

        WebhookReceiver.Call call = receiver.await("/held", 1, Duration.ofSeconds(20)).get(0);
        assertThat(call.body()).contains("\"version\":1");
        // The first firing fired: the re-entry's is still the user's pending one, which an exit at +7 s cancels.
        changes.send(user, Json.write(new SegmentChange(user, segment, SegmentChange.EXITED, start.plusSeconds(7), 4, "event:m4")));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(definitions.log(trigger))
                .extracting(e -> e.firing().version() + ":" + e.status())
                .containsExactlyInAnyOrder("1:" + DeliveryEntry.Status.DELIVERED, "3:" + DeliveryEntry.Status.CANCELLED));
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), start.plusSeconds(11)).toMillis()));
        assertThat(receiver.calls("/held")).as("the re-entry's firing, due at +10 s, was cancelled").hasSize(1);
    }
}
