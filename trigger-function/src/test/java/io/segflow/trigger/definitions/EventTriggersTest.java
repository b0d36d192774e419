package io.segflow.trigger.definitions;

import static io.segflow.trigger.definitions.Definitions.unique;
import static io.segflow.trigger.definitions.Definitions.webhook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.Topics;
import io.segflow.core.engine.ProfileNeeds;
import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import io.segflow.core.identity.IdentityRecords;
import io.segflow.core.json.Json;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.Scoring;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.state.Partitioning;
import io.segflow.core.state.RecentMessages;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicWriter;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Event triggers with a condition over the event and the profile, and threshold crossings (once per crossing). The
 * test plays segment-function: it stores the user's profile with each event applied, then writes the event.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class EventTriggersTest {

    @Inject
    RedisDataSource redis;

    @Inject
    MeterRegistry meters;

    private Definitions definitions;
    private WebhookReceiver receiver;
    private TopicWriter events;
    private int partitions;

    @BeforeEach
    void setUp() {
        definitions = new Definitions(redis);
        receiver = WebhookReceiver.start();
        events = new TopicWriter(TestServices.kafkaBootstrapServers(), Topics.EVENTS);
        redis.value(String.class).setnx(RedisKeys.EVENT_PARTITIONS, "3");
        partitions = Integer.parseInt(redis.value(String.class).get(RedisKeys.EVENT_PARTITIONS));
    }

    @AfterEach
    void tearDown() {
        receiver.close();
        events.close();
    }

    /** Applies the events to a new profile, stores it as segment-function would, then writes the last event. */
    private void track(String user, List<Event> applied) {
        storeProfile(user, applied);
        Event last = applied.get(applied.size() - 1);
        events.send(user, new String(EventRecords.write(last), StandardCharsets.UTF_8));
    }

    /** Stores the user's profile with the events applied, as segment-function would. */
    private void storeProfile(String user, List<Event> applied) {
        Profile profile = new Profile(user);
        RecentMessages recent = new RecentMessages();
        long now = System.currentTimeMillis();
        for (Event event : applied) {
            profile.apply(event, ProfileNeeds.NONE, Scoring.NONE, now);
            recent.checkAndRemember(event.messageId(), now, 86_400_000L);
        }
        redis.value(byte[].class).set(RedisKeys.user(Partitioning.partitionOf(user, partitions), user),
                UserRecordCodec.encode(new UserRecord(user, Memberships.NONE, UserRecord.NO_WAKE, profile, recent)));
    }

    private static Event order(String user, double revenue) {
        Instant now = Instant.now();
        return new Event(Event.SCHEMA_VERSION, "track", UUID.randomUUID().toString(), user, null, "Order Completed", null, null,
                null, null, Map.of("revenue", revenue), null, null, now, null, null, now, "test");
    }

    /** A retry waiting when its trigger is deleted and created again under its id is the deleted one's: dropped. */
    @Test
    void aRetryOfATriggerDeletedAndCreatedAgainIsDropped() throws Exception {
        String trigger = unique("recreated");
        String when = "{'when': {'event': 'Order Completed', 'condition': 'event.properties.revenue == 4242.0'}, 'action': ";
        definitions.define(trigger, when + webhook(receiver.url("/recreated-old")) + "}");
        receiver.script("/recreated-old", new WebhookReceiver.Answer(429, Map.of("Retry-After", "2")));
        String user = unique("user");

        track(user, List.of(order(user, 4242)));
        receiver.await("/recreated-old", 1, Duration.ofSeconds(20));
        definitions.delete(trigger);
        definitions.define(trigger, when + webhook(receiver.url("/recreated-new")) + "}");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(definitions.log(trigger)).singleElement()
                .satisfies(e -> {
                    assertThat(e.status()).isEqualTo(DeliveryEntry.Status.CANCELLED);
                    assertThat(e.suppressed()).isEqualTo("trigger deleted");
                }));
        assertThat(receiver.calls("/recreated-new")).isEmpty();
        assertThat(receiver.calls("/recreated-old")).hasSize(1);
    }

    /**
     * A firing is attempted once it is stored, not when the rest of its batch is decided: later events of the batch
     * that wait for their profiles (segment-function behind) would hold it past its lease, and the schedule's poll and
     * the batch's end would then both deliver it.
     */
    @Test
    void aFiringIsDeliveredOnceWhileLaterEventsOfItsBatchWaitForTheirProfiles() throws Exception {
        String trigger = unique("early-order");
        definitions.define(trigger, "{'when': {'event': 'Order Completed', 'condition': 'event.properties.revenue == 777.0'}, "
                + "'action': " + webhook(receiver.url("/early")) + "}");
        String user = unique("user");
        Event first = order(user, 777);
        track(user, List.of(first));
        receiver.await("/early", 1, Duration.ofSeconds(30));

        // In one batch: an order that fires, then orders whose profile is never stored, each waited for up to the
        // profile wait (2 s), longer together than a firing's lease (the test's call timeout, 2 s, plus 5 s); then
        // a last order that fires, which tells when the batch is over.
        Event firing = order(user, 777);
        storeProfile(user, List.of(first, firing));
        String[] batch = new String[6];
        batch[0] = new String(EventRecords.write(firing), StandardCharsets.UTF_8);
        for (int i = 1; i < batch.length - 1; i++) {
            batch[i] = new String(EventRecords.write(order(user, 1)), StandardCharsets.UTF_8);
        }
        batch[batch.length - 1] = new String(EventRecords.write(order(user, 777)), StandardCharsets.UTF_8);
        events.sendTogether(user, batch);

        receiver.await("/early", 3, Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(definitions.log(trigger))
                .hasSize(3).allSatisfy(e -> assertThat(e.status()).isEqualTo(DeliveryEntry.Status.DELIVERED)));
        assertThat(receiver.calls("/early").stream().map(c -> c.header("webhook-id")))
                .as("webhook-ids received").hasSize(3).doesNotHaveDuplicates();
    }

    @Test
    void anEventFiresWhenItsConditionOverTheEventAndTheProfileHolds() throws Exception {
        String trigger = unique("first-big-order");
        definitions.define(trigger, "{'when': {'event': 'Order Completed', 'condition': "
                + "'event.properties.revenue > 100.0 && count(\\'Order Completed\\') == 1'}, 'action': " + webhook(receiver.url("/big")) + "}");
        String small = unique("user");
        String big = unique("user");
        String second = unique("user");

        track(small, List.of(order(small, 20)));
        track(second, List.of(order(second, 20), order(second, 500)));
        track(big, List.of(order(big, 250)));

        WebhookReceiver.Call call = receiver.await("/big", 1, Duration.ofSeconds(30)).get(0);
        JsonNode body = Json.read(call.body(), JsonNode.class);
        assertThat(body.get("type").asText()).isEqualTo("trigger.fired");
        assertThat(body.at("/data/userId").asText()).isEqualTo(big);
        assertThat(body.at("/data/properties/revenue").asDouble()).isEqualTo(250.0);
        assertThat(call.signed()).isTrue();
        Thread.sleep(500);
        assertThat(receiver.calls("/big")).as("a small order and a second order do not fire").hasSize(1);
    }

    /** Whole numbers as SDKs send them ({@code "revenue": 150}), compared with int and double literals alike. */
    @Test
    void aConditionReadsWholeNumbersOfTheEventAsCelInts() throws Exception {
        String trigger = unique("whole-numbers");
        definitions.define(trigger, "{'when': {'event': 'Order Completed', 'condition': "
                + "'event.properties.revenue > 100.0 && event.properties.items >= 2 && event.traits.age > 30'}, 'action': "
                + webhook(receiver.url("/whole")) + "}");
        String big = unique("user");
        String small = unique("user");

        track(small, List.of(order(small, Map.of("revenue", 50, "items", 3), Map.of("age", 40))));
        track(big, List.of(order(big, Map.of("revenue", 150, "items", 2), Map.of("age", 40))));

        WebhookReceiver.Call call = receiver.await("/whole", 1, Duration.ofSeconds(30)).get(0);
        assertThat(Json.read(call.body(), JsonNode.class).at("/data/userId").asText()).isEqualTo(big);
        Thread.sleep(500);
        assertThat(receiver.calls("/whole")).as("the order of 50 does not fire").hasSize(1);
        assertThat(conditionErrors(trigger)).as("no condition failed").isZero();
    }

    /** A condition that cannot be evaluated for an event counts as false, and is counted so that it shows. */
    @Test
    void aConditionThatFailsForAnEventIsCountedAndDoesNotFire() throws Exception {
        String trigger = unique("wrong-type");
        definitions.define(trigger, "{'when': {'event': 'Order Completed', 'condition': 'event.properties.coupon > 1'}, 'action': "
                + webhook(receiver.url("/wrong")) + "}");
        String user = unique("user");

        track(user, List.of(order(user, Map.of("coupon", "SPRING"), Map.of())));

        await().atMost(Duration.ofSeconds(30)).until(() -> conditionErrors(trigger) == 1.0);
        assertThat(receiver.calls("/wrong")).isEmpty();
    }

    private double conditionErrors(String trigger) {
        Counter counter = meters.find("segflow.trigger.condition.errors").tag("trigger", trigger).counter();
        return counter == null ? 0 : counter.count();
    }

    private static Event order(String user, Map<String, Object> properties, Map<String, Object> traits) {
        Instant now = Instant.now();
        return new Event(Event.SCHEMA_VERSION, "track", UUID.randomUUID().toString(), user, null, "Order Completed", null, null,
                null, traits, properties, null, null, now, null, null, now, "test");
    }

    @Test
    void aProfileThatCannotBeReadPassesOverItsEventAndTheNextUsersStillFire() throws Exception {
        String trigger = unique("any-order");
        definitions.define(trigger, "{'when': {'event': 'Order Completed'}, 'action': " + webhook(receiver.url("/any")) + "}");
        String unreadable = unique("user");
        String next = unique("user");
        // A record of a format this version does not know (a newer one, say).
        redis.value(byte[].class).set(RedisKeys.user(Partitioning.partitionOf(unreadable, partitions), unreadable), new byte[] {99, 1, 2});
        events.send(unreadable, new String(EventRecords.write(order(unreadable, 10)), StandardCharsets.UTF_8));

        track(next, List.of(order(next, 10)));

        WebhookReceiver.Call call = receiver.await("/any", 1, Duration.ofSeconds(30)).get(0);
        assertThat(Json.read(call.body(), JsonNode.class).at("/data/userId").asText()).isEqualTo(next);
        assertThat(receiver.calls("/any")).extracting(c -> Json.read(c.body(), JsonNode.class).at("/data/userId").asText())
                .doesNotContain(unreadable);
    }

    @Test
    void aThresholdFiresOncePerCrossingNotOnEveryEventAboveIt() throws Exception {
        String trigger = unique("regular");
        definitions.define(trigger, "{'when': {'threshold': 'count(\\'Order Completed\\')', 'crosses': 'above', 'value': 2}, "
                + "'action': " + webhook(receiver.url("/regular")) + "}");
        String user = unique("user");
        List<Event> orders = List.of(order(user, 1), order(user, 1), order(user, 1), order(user, 1));

        for (int n = 1; n <= orders.size(); n++) {
            track(user, orders.subList(0, n));
        }

        WebhookReceiver.Call call = receiver.await("/regular", 1, Duration.ofSeconds(30)).get(0);
        assertThat(Json.read(call.body(), JsonNode.class).at("/data/userId").asText()).isEqualTo(user);
        Thread.sleep(1_000);
        assertThat(receiver.calls("/regular")).as("the 3rd order crosses 2; the 4th is still above").hasSize(1);
    }

    /**
     * A threshold trigger created again under a deleted one's id starts below its line, so the user's next event above
     * it crosses it; one saved again keeps the user's side, and the same event is no crossing.
     */
    @Test
    void aThresholdCreatedAgainStartsBelowItsLineWhileOneSavedAgainKeepsTheSide() throws Exception {
        String saved = unique("saved");
        String recreated = unique("recreated");
        String threshold = "{'when': {'threshold': 'count(\\'Order Completed\\')', 'crosses': 'above', 'value': 0.5}, 'action': ";
        definitions.define(saved, threshold + webhook(receiver.url("/saved")) + "}");
        definitions.define(recreated, threshold + webhook(receiver.url("/recreated")) + "}");
        String user = unique("user");
        Event first = order(user, 1);
        track(user, List.of(first));
        await().atMost(Duration.ofSeconds(30)).until(() -> sideKeys(user, saved) > 0 && sideKeys(user, recreated) > 0);

        definitions.define(saved, threshold + webhook(receiver.url("/saved-again")) + "}");
        definitions.delete(recreated);
        definitions.define(recreated, threshold + webhook(receiver.url("/created-again")) + "}");
        track(user, List.of(first, order(user, 1)));

        WebhookReceiver.Call call = receiver.await("/created-again", 1, Duration.ofSeconds(30)).get(0);
        assertThat(Json.read(call.body(), JsonNode.class).at("/data/userId").asText()).isEqualTo(user);
        // Decided in the same batch, whose firings are stored before any is delivered: a second firing of the saved
        // trigger would be in its firing times by now.
        long firings = firedKeys(user, saved).stream().mapToLong(key -> redis.sortedSet(String.class).zcard(key)).sum();
        assertThat(firings).as("still above the line it was above: fired once, at the first order").isEqualTo(1);
        assertThat(receiver.calls("/saved-again")).isEmpty();
    }

    @Test
    void aCrossingWhoseFiringCouldNotBeStoredFiresWhenTheBatchIsTriedAgain() throws Exception {
        String trigger = unique("second-order");
        definitions.define(trigger, "{'when': {'threshold': 'count(\\'Order Completed\\')', 'crosses': 'above', 'value': 1.5}, "
                + "'action': " + webhook(receiver.url("/second")) + "}");
        String user = unique("user");
        Event first = order(user, 1);
        track(user, List.of(first)); // below the line: remembered as such
        await().atMost(Duration.ofSeconds(30)).until(() -> sideKeys(user, trigger) > 0);

        // A value of another type where the user's firings of the trigger are kept: Redis refuses the commands that
        // look the crossing's firing up and store it (WRONGTYPE), as it would refuse them while failing over.
        List<String> inTheWay = firedKeys(user, trigger);
        inTheWay.forEach(key -> redis.value(String.class).set(key, "in the way"));
        long refusedBefore = wrongTypeRefusals();
        track(user, List.of(first, order(user, 1)));
        await().atMost(Duration.ofSeconds(30)).until(() -> wrongTypeRefusals() > refusedBefore);
        redis.key().del(inTheWay.toArray(String[]::new));

        // Had the user's side been remembered before the firing was stored, the retry would see no crossing.
        WebhookReceiver.Call call = receiver.await("/second", 1, Duration.ofSeconds(30)).get(0);
        assertThat(Json.read(call.body(), JsonNode.class).at("/data/userId").asText()).isEqualTo(user);
    }

    @Test
    void aVisitorNotYetIdentifiedFiresUnderItsAnonymousId() throws Exception {
        String trigger = unique("guest-order");
        definitions.define(trigger, "{'when': {'event': 'Order Completed', 'condition': 'event.anonymousId != null'}, "
                + "'action': " + webhook(receiver.url("/guest")) + "}");
        String visitor = unique("anon");

        track(visitor, List.of(anonymousOrder(visitor, 30)));

        WebhookReceiver.Call call = receiver.await("/guest", 1, Duration.ofSeconds(30)).get(0);
        assertThat(Json.read(call.body(), JsonNode.class).at("/data/userId").asText()).isEqualTo(visitor);
    }

    @Test
    void anEventOfAMergedIdFiresOnceForTheUserItWasMergedInto() throws Exception {
        String trigger = unique("any-order");
        definitions.define(trigger, "{'when': {'event': 'Order Completed'}, 'action': " + webhook(receiver.url("/merged")) + "}");
        String visitor = unique("anon");
        String user = unique("user");
        // segment-function merged the visitor into the user: the visitor's record is a forward, and its later events
        // are forwarded to the user as the user's.
        redis.value(byte[].class).set(RedisKeys.user(Partitioning.partitionOf(visitor, partitions), visitor),
                UserRecordCodec.encode(UserRecord.forward(visitor, 1, user)));
        Event asVisitor = anonymousOrder(visitor, 10);
        events.send(visitor, new String(EventRecords.write(asVisitor), StandardCharsets.UTF_8));
        track(user, List.of(new Event(Event.SCHEMA_VERSION, "track", asVisitor.messageId(), user, visitor, "Order Completed",
                null, null, null, null, Map.of("revenue", 10.0), null, null, asVisitor.timestamp(), null, null,
                asVisitor.receivedAt(), "test")));

        WebhookReceiver.Call call = receiver.await("/merged", 1, Duration.ofSeconds(30)).get(0);
        assertThat(Json.read(call.body(), JsonNode.class).at("/data/userId").asText()).isEqualTo(user);
        Thread.sleep(2_500); // past the wait for a profile that includes the event
        assertThat(receiver.calls("/merged")).as("the merged id's own record fires nothing").hasSize(1);
    }

    /**
     * A merged id's firings count toward the user's cooldown for segment triggers only: an event trigger's cooldown
     * stays each id's own, as what the merged id had of event triggers is forgotten at the merge.
     */
    @Test
    void anEventTriggersCooldownStaysEachIdsOwnAcrossAMerge() throws Exception {
        String trigger = unique("order-thanks");
        definitions.define(trigger, "{'when': {'event': 'Order Completed'}, 'cooldown': '1h', 'action': "
                + webhook(receiver.url("/thanks")) + "}");
        String visitor = unique("anon");
        String user = unique("user");
        track(visitor, List.of(anonymousOrder(visitor, 10)));
        receiver.await("/thanks", 1, Duration.ofSeconds(30));

        redis.value(byte[].class).set(RedisKeys.user(Partitioning.partitionOf(visitor, partitions), visitor),
                UserRecordCodec.encode(UserRecord.forward(visitor, 1, user)));
        track(user, List.of(order(user, 20)));

        assertThat(receiver.await("/thanks", 2, Duration.ofSeconds(30)))
                .extracting(call -> Json.read(call.body(), JsonNode.class).at("/data/userId").asText())
                .containsExactly(visitor, user);
        assertThat(definitions.log(trigger)).extracting(DeliveryEntry::status).doesNotContain(DeliveryEntry.Status.SUPPRESSED);
    }

    @Test
    void aMergedIdsThresholdSidesAndFiringTimesAreForgottenOnceItIsAForward() throws Exception {
        String trigger = unique("first-order");
        definitions.define(trigger, "{'when': {'threshold': 'count(\\'Order Completed\\')', 'crosses': 'above', 'value': 0.5}, "
                + "'action': " + webhook(receiver.url("/first")) + "}");
        String visitor = unique("anon");
        String user = unique("user");
        track(visitor, List.of(anonymousOrder(visitor, 1)));
        receiver.await("/first", 1, Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(10)).until(() -> sideKeys(visitor, trigger) > 0);

        // segment-function's merge: the request on the visitor's partition, then the visitor's record becomes a forward.
        events.send(visitor, new String(EventRecords.write(IdentityRecords.mergeRequest(visitor, user, Instant.now())),
                StandardCharsets.UTF_8));
        redis.value(byte[].class).set(RedisKeys.user(Partitioning.partitionOf(visitor, partitions), visitor),
                UserRecordCodec.encode(UserRecord.forward(visitor, 2, user)));

        await().atMost(Duration.ofSeconds(30)).until(() -> sideKeys(visitor, trigger) == 0
                && firedKeys(visitor, trigger).stream().noneMatch(key -> redis.key().exists(key)));
    }

    @Test
    void anIdWhoseMergeWasRefusedKeepsItsThresholdSides() throws Exception {
        String trigger = unique("first-order");
        definitions.define(trigger, "{'when': {'threshold': 'count(\\'Order Completed\\')', 'crosses': 'above', 'value': 0.5}, "
                + "'action': " + webhook(receiver.url("/first")) + "}");
        String after = unique("after-merge");
        definitions.define(after, "{'when': {'event': 'Signed Up'}, 'action': " + webhook(receiver.url("/after")) + "}");
        String known = unique("user");
        Event order = order(known, 1);
        track(known, List.of(order));
        receiver.await("/first", 1, Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(10)).until(() -> sideKeys(known, trigger) > 0);

        // A merge request segment-function refuses (a known user, say): the record stays a profile of its own.
        events.send(known, new String(EventRecords.write(IdentityRecords.mergeRequest(known, unique("user"), Instant.now())),
                StandardCharsets.UTF_8));
        // The user's next event, after the request on the same partition: handled once the request was.
        Event signedUp = new Event(Event.SCHEMA_VERSION, "track", UUID.randomUUID().toString(), known, null, "Signed Up", null,
                null, null, null, Map.of(), null, null, Instant.now(), null, null, Instant.now(), "test");
        track(known, List.of(order, signedUp));
        receiver.await("/after", 1, Duration.ofSeconds(30));

        Thread.sleep(1_000); // the event's firings are delivered side by side
        assertThat(receiver.calls("/first")).as("its side stayed above: the next event crosses nothing").hasSize(1);
        assertThat(sideKeys(known, trigger)).isEqualTo(1);
    }

    @Test
    void anErasureOfAForwardSentToALiveProfileKeepsItsThresholdSides() throws Exception {
        String trigger = unique("first-order");
        definitions.define(trigger, "{'when': {'threshold': 'count(\\'Order Completed\\')', 'crosses': 'above', 'value': 0.5}, "
                + "'action': " + webhook(receiver.url("/first")) + "}");
        String after = unique("after-erasure");
        definitions.define(after, "{'when': {'event': 'Signed Up'}, 'action': " + webhook(receiver.url("/after")) + "}");
        String linked = unique("user");
        Event order = order(linked, 1);
        track(linked, List.of(order));
        receiver.await("/first", 1, Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(10)).until(() -> sideKeys(linked, trigger) > 0);

        // Another user, erased, had this id linked, but the id's merge was refused: the id stays a profile of its own,
        // which segment-function leaves alone on the erasure of the forward it is not.
        events.send(linked, new String(EventRecords.write(IdentityRecords.eraseMerged(linked, unique("user"), Instant.now())),
                StandardCharsets.UTF_8));
        Event signedUp = new Event(Event.SCHEMA_VERSION, "track", UUID.randomUUID().toString(), linked, null, "Signed Up", null,
                null, null, null, Map.of(), null, null, Instant.now(), null, null, Instant.now(), "test");
        track(linked, List.of(order, signedUp));
        receiver.await("/after", 1, Duration.ofSeconds(30));

        Thread.sleep(1_000); // the event's firings are delivered side by side
        assertThat(receiver.calls("/first")).as("its side stayed above: the next event crosses nothing").hasSize(1);
        assertThat(sideKeys(linked, trigger)).isEqualTo(1);
    }

    @Test
    void anUnlinkStepIsNoEventOfTheUser() throws Exception {
        String onStep = unique("on-unlink");
        definitions.define(onStep, "{'when': {'event': 'unlink'}, 'action': " + webhook(receiver.url("/unlink")) + "}");
        String after = unique("after-unlink");
        definitions.define(after, "{'when': {'event': 'Signed Up'}, 'action': " + webhook(receiver.url("/after")) + "}");
        String user = unique("user");
        Event order = order(user, 1);
        track(user, List.of(order));

        // segment-function tells the user that the forward of an id merged into it was erased.
        events.send(user, new String(EventRecords.write(IdentityRecords.unlink(unique("anon"), user, Instant.now())),
                StandardCharsets.UTF_8));
        Event signedUp = new Event(Event.SCHEMA_VERSION, "track", UUID.randomUUID().toString(), user, null, "Signed Up", null,
                null, null, null, Map.of(), null, null, Instant.now(), null, null, Instant.now(), "test");
        track(user, List.of(order, signedUp));
        receiver.await("/after", 1, Duration.ofSeconds(30));

        Thread.sleep(1_000); // the event's firings are delivered side by side
        assertThat(receiver.calls("/unlink")).as("a step of the engine, skipped like a merge").isEmpty();
    }

    @Test
    void anErasedUserStartsAgainBelowEveryLineWithNoFiringsRemembered() throws Exception {
        String trigger = unique("first-order");
        definitions.define(trigger, "{'when': {'threshold': 'count(\\'Order Completed\\')', 'crosses': 'above', 'value': 0.5}, "
                + "'action': " + webhook(receiver.url("/first")) + "}");
        String user = unique("user");
        track(user, List.of(order(user, 1)));
        receiver.await("/first", 1, Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(10)).until(() -> sideKeys(user, trigger) > 0);

        Instant erasedAt = Instant.now();
        events.send(user, new String(EventRecords.write(Event.erasure(user, UUID.randomUUID().toString(), erasedAt)), StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(30)).until(() -> sideKeys(user, trigger) == 0
                && firedKeys(user, trigger).stream().noneMatch(key -> redis.key().exists(key)));

        // The same id comes back as a new profile: its first order crosses the line again.
        track(user, List.of(order(user, 1)));
        receiver.await("/first", 2, Duration.ofSeconds(30));
    }

    @Test
    void anEventWithoutATimeIsPassedOverAndTheNextEventsStillFire() throws Exception {
        String trigger = unique("any-order");
        definitions.define(trigger, "{'when': {'event': 'Order Completed'}, 'action': " + webhook(receiver.url("/timeless")) + "}");
        String foreign = unique("user");
        String next = unique("user");
        // No timestamp and no receivedAt: written by something other than ingest.
        events.send(foreign, new String(EventRecords.write(new Event(Event.SCHEMA_VERSION, "track", UUID.randomUUID().toString(),
                foreign, null, "Order Completed", null, null, null, null, Map.of(), null, null, null, null, null, null, "test")),
                StandardCharsets.UTF_8));

        track(next, List.of(order(next, 10)));

        WebhookReceiver.Call call = receiver.await("/timeless", 1, Duration.ofSeconds(30)).get(0);
        assertThat(Json.read(call.body(), JsonNode.class).at("/data/userId").asText()).isEqualTo(next);
    }

    private static Event anonymousOrder(String anonymousId, double revenue) {
        Instant now = Instant.now();
        return new Event(Event.SCHEMA_VERSION, "track", UUID.randomUUID().toString(), null, anonymousId, "Order Completed", null,
                null, null, null, Map.of("revenue", revenue), null, null, now, null, null, now, "test");
    }

    /** The keys the user's firings of the trigger would be kept under, on every shard of segflow.events. */
    private List<String> firedKeys(String user, String trigger) {
        long generation = definitions.generation(trigger);
        return java.util.stream.IntStream.range(0, 64)
                .mapToObj(p -> TriggerKeys.fired(TriggerKeys.eventsShard(p), trigger, generation, user)).toList();
    }

    private long sideKeys(String user, String trigger) {
        long generation = definitions.generation(trigger);
        return java.util.stream.IntStream.range(0, 64)
                .filter(p -> redis.key().exists(TriggerKeys.side(TriggerKeys.eventsShard(p), trigger, generation, user))).count();
    }

    /** How many commands Redis refused as of the wrong type so far ({@code INFO errorstats}). */
    private long wrongTypeRefusals() {
        java.util.regex.Matcher count = java.util.regex.Pattern.compile("errorstat_WRONGTYPE:count=(\\d+)")
                .matcher(redis.execute("INFO", "errorstats").toString());
        return count.find() ? Long.parseLong(count.group(1)) : 0;
    }
}
