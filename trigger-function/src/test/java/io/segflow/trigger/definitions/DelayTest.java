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
import io.segflow.testkit.KafkaAndRedisResource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A delay: fired when it is over if the user is still in, to within a second; cancelled when the user leaves. */
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

    /** Changes are read at once from here on (the consumer group has formed): lateness is the schedule's own. */
    private void consumerIsReading() throws InterruptedException {
        String segment = unique("warm-up");
        definitions.define(unique("warm-up"), "{'when': {'segment': '" + segment + "', 'change': 'entered'}, "
                + "'action': " + webhook(receiver.url("/warm-up")) + "}");
        String user = unique("user");
        changes.send(user, Json.write(change(user, segment, SegmentChange.ENTERED, 1)));
        receiver.await("/warm-up", 1, Duration.ofSeconds(30));
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
}
