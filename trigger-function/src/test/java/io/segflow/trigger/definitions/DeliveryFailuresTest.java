package io.segflow.trigger.definitions;

import static io.segflow.trigger.definitions.Definitions.change;
import static io.segflow.trigger.definitions.Definitions.unique;
import static io.segflow.trigger.definitions.Definitions.webhook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicReader;
import io.segflow.trigger.definitions.WebhookReceiver.Answer;
import io.segflow.trigger.deliver.DeadFirings;
import io.segflow.trigger.fire.FiringStore;
import io.segflow.trigger.rules.TriggerCatalog;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Endpoints failing: retries with the same webhook-id, Retry-After, 410 disabling, the dead topic (also while the
 * broker refuses it), an endpoint down and back, the words the deliveries log gives for a call without an answer. The
 * test profile's backoff is 200 ms then 400 ms, without jitter, the deadline 3 s and the lease of an attempt 7 s (its
 * 2 s timeout + 5 s).
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class DeliveryFailuresTest extends TriggerFixture {

    @Inject
    FiringStore store;

    @Inject
    TriggerCatalog catalog;

    @Inject
    MeterRegistry meters;

    /** A trigger on entering a new segment, delivering to {@code url}; returns the segment. */
    private String triggerOnEntry(String id, String url) {
        String segment = unique("seg");
        definitions.define(id, "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'action': " + webhook(url) + "}");
        return segment;
    }

    private void enter(String user, String segment, long version) {
        changes.send(user, Json.write(change(user, segment, SegmentChange.ENTERED, version)));
    }

    @Test
    void a500IsRetriedWithTheSameIdUntilItIsDelivered() throws Exception {
        String trigger = unique("flaky");
        String segment = triggerOnEntry(trigger, receiver.url("/flaky"));
        receiver.script("/flaky", Answer.of(500), Answer.of(500));

        enter(unique("user"), segment, 1);

        List<WebhookReceiver.Call> calls = receiver.await("/flaky", 3, Duration.ofSeconds(20));
        assertThat(calls).extracting(c -> c.header("webhook-id")).containsOnly(calls.get(0).header("webhook-id"));
        assertThat(calls).allMatch(WebhookReceiver.Call::signed);
        assertThat(Duration.between(calls.get(0).at(), calls.get(1).at())).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(Duration.between(calls.get(1).at(), calls.get(2).at())).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(definitions.log(trigger))
                .singleElement().satisfies(e -> {
                    assertThat(e.status()).isEqualTo(DeliveryEntry.Status.DELIVERED);
                    assertThat(e.attempts()).isEqualTo(3);
                }));
    }

    @Test
    void a429sRetryAfterIsWaitedOut() throws Exception {
        String segment = triggerOnEntry(unique("throttled"), receiver.url("/throttled"));
        receiver.script("/throttled", new Answer(429, Map.of("Retry-After", "1")));

        enter(unique("user"), segment, 1);

        List<WebhookReceiver.Call> calls = receiver.await("/throttled", 2, Duration.ofSeconds(20));
        assertThat(Duration.between(calls.get(0).at(), calls.get(1).at()))
                .as("Retry-After: 1, not the 200 ms backoff").isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    /**
     * Firings in flight (a slow endpoint) get a 410 each: each goes to the dead topic, and the trigger is disabled
     * once, so the counter of disablements says 1, not one per 410, and the definitions' revision moves once (each
     * move makes every trigger-function reload them). The firings are not all called at once (shards take their
     * turns): those still waiting when the trigger is disabled end cancelled, uncalled.
     */
    @Test
    void a410DisablesTheTriggerOnceAndSendsEveryFiringInFlightToTheDeadTopic() throws Exception {
        consumerIsReading(); // the firings' calls must overlap and end within the 2 s call timeout: not at startup
        String trigger = unique("gone");
        String segment = triggerOnEntry(trigger, receiver.url("/gone"));
        int firings = 12;
        receiver.script("/gone", Stream.generate(() -> Answer.of(410)).limit(firings).toArray(Answer[]::new));
        receiver.slow("/gone", 1_000);
        List<String> users = Stream.generate(() -> unique("user")).limit(firings).toList();
        long revision = definitions.revision();

        try (TopicReader dead = new TopicReader(TestServices.kafkaBootstrapServers(), DeadFirings.TOPIC)) {
            users.forEach(user -> enter(user, segment, 1));

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(definitions.log(trigger)).hasSize(firings)
                    .allSatisfy(e -> assertThat(e.status()).isIn(DeliveryEntry.Status.DEAD, DeliveryEntry.Status.CANCELLED)));
            long gone = receiver.calls("/gone").stream().filter(c -> c.status() == 410).count();
            assertThat(gone).as("several firings in flight got the 410").isGreaterThanOrEqualTo(2);
            assertThat(dead.await(r -> users.contains(r.key()), (int) gone, Duration.ofSeconds(20)))
                    .extracting(r -> Json.read(r.value(), JsonNode.class))
                    .allSatisfy(record -> {
                        assertThat(record.get("trigger").asText()).isEqualTo(trigger);
                        assertThat(record.get("lastStatus").asInt()).isEqualTo(410);
                    });
            // The alerts on dead firings and on disabled triggers read these.
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(count("segflow.trigger.dead", trigger)).isEqualTo(gone));
        }
        assertThat(definitions.disabled(trigger)).isTrue();
        assertThat(count("segflow.trigger.disabled", trigger)).as("one disablement, however many 410s").isEqualTo(1);
        assertThat(definitions.revision()).as("one reload of the definitions, however many 410s").isEqualTo(revision + 1);
        int calls = receiver.calls("/gone").size();
        String newcomer = unique("user");
        enter(users.get(0), segment, 3);
        enter(newcomer, segment, 1);
        awaitHandled(users.get(0), 4);
        awaitHandled(newcomer, 2);
        assertThat(receiver.calls("/gone")).as("a disabled trigger fires no more").hasSize(calls);
    }

    /**
     * The old endpoint's 410 arrives after the trigger was saved again (a new URL): the save stands. The 410 of the
     * definition still stored disables it; another 410 after that changes nothing, not even the revision.
     */
    @Test
    void a410ForADefinitionSavedOverSinceDoesNotDisableTheNewOne() {
        String trigger = unique("moved");
        definitions.define(trigger, "{'when': {'segment': 'any', 'change': 'entered'}, 'action': " + webhook(receiver.url("/old")) + "}");
        triggers.refresh();
        Instant called = catalog.current().byId().get(trigger).updatedAt();
        await().atMost(Duration.ofSeconds(5)).until(() -> !Instant.now().truncatedTo(ChronoUnit.MILLIS)
                .equals(called.truncatedTo(ChronoUnit.MILLIS)));
        definitions.define(trigger, "{'when': {'segment': 'any', 'change': 'entered'}, 'action': " + webhook(receiver.url("/new")) + "}");

        assertThat(store.disable(trigger, called, "the endpoint answered 410 Gone")).isFalse();
        assertThat(definitions.disabled(trigger)).as("the save since the call stands").isFalse();

        triggers.refresh();
        Instant current = catalog.current().byId().get(trigger).updatedAt();
        assertThat(store.disable(trigger, current, "the endpoint answered 410 Gone")).isTrue();
        assertThat(definitions.disabled(trigger)).isTrue();

        long revision = definitions.revision();
        assertThat(store.disable(trigger, current, "the endpoint answered 410 Gone")).isFalse();
        assertThat(definitions.revision()).as("disabled already: nothing to reload").isEqualTo(revision);
    }

    @Test
    void aFiringFailingPastTheDeadlineGoesToTheDeadTopicWithTheLastStatus() throws Exception {
        String trigger = unique("broken");
        String segment = triggerOnEntry(trigger, receiver.url("/broken"));
        receiver.script("/broken", java.util.stream.Stream.generate(() -> Answer.of(500)).limit(50).toArray(Answer[]::new));
        String user = unique("user");

        try (TopicReader dead = new TopicReader(TestServices.kafkaBootstrapServers(), DeadFirings.TOPIC)) {
            enter(user, segment, 1);

            JsonNode record = Json.read(dead.await(r -> user.equals(r.key()), 1, Duration.ofSeconds(20)).get(0).value(), JsonNode.class);
            assertThat(record.get("lastStatus").asInt()).isEqualTo(500);
            assertThat(record.get("reason").asText()).isEqualTo("retry deadline passed");
            assertThat(record.get("attempts").asInt()).isGreaterThanOrEqualTo(5);
        }
        assertThat(definitions.log(trigger)).singleElement().extracting(DeliveryEntry::status).isEqualTo(DeliveryEntry.Status.DEAD);
        assertThat(definitions.disabled(trigger)).as("only a 410 disables").isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> count("segflow.trigger.dead", trigger) == 1);
        assertThat(count("segflow.trigger.disabled", trigger)).isZero();
    }

    /** A per-trigger counter's value; 0 before its first increment registers it. */
    private double count(String name, String trigger) {
        Counter counter = meters.find(name).tag("trigger", trigger).counter();
        return counter == null ? 0 : counter.count();
    }

    /**
     * The firing fails until its deadline, and the broker refuses its dead record: it stays scheduled, only the dead
     * record is tried again, and it reaches the dead topic once the broker takes it. Between its first refused dead
     * record and two more tries of it the endpoint is not called: the firing went back to the schedule given up, its
     * next try in place of the lease of its last attempt (a firing merely left in the schedule would not be tried
     * again before that lease ran out, and then would be called).
     */
    @Test
    void aFiringWhoseDeadRecordIsRefusedIsNotCalledPastItsDeadlineAndReachesTheDeadTopicLater() throws Exception {
        String trigger = unique("dead-refused");
        String segment = triggerOnEntry(trigger, receiver.url("/failing"));
        receiver.script("/failing", Stream.generate(() -> Answer.of(500)).limit(200).toArray(Answer[]::new));
        String user = unique("user");
        int calls;

        try (RefusedTopic refused = RefusedTopic.refuse(TestServices.kafkaBootstrapServers(), DeadFirings.TOPIC);
             TopicReader dead = new TopicReader(TestServices.kafkaBootstrapServers(), DeadFirings.TOPIC)) {
            Instant entered = Instant.now();
            enter(user, segment, 1);
            awaitDeadRecordRefused(trigger, 1); // given up from here
            calls = receiver.calls("/failing").size();
            awaitDeadRecordRefused(trigger, 3);

            // Until the 3 s deadline, the last one at it, with 2 s of slack for a loaded machine.
            assertThat(receiver.calls("/failing")).as("attempts until the deadline, none after")
                    .hasSize(calls).hasSizeGreaterThan(5).allSatisfy(c -> assertThat(c.at()).isBefore(entered.plusSeconds(5)));
            assertThat(definitions.log(trigger)).as("still scheduled, not dropped").singleElement()
                    .extracting(DeliveryEntry::status).isEqualTo(DeliveryEntry.Status.RETRYING);

            refused.lift();

            JsonNode record = Json.read(dead.await(r -> user.equals(r.key()), 1, Duration.ofSeconds(20)).get(0).value(), JsonNode.class);
            assertThat(record.get("reason").asText()).isEqualTo("retry deadline passed");
            assertThat(record.get("lastStatus").asInt()).isEqualTo(500);
            assertThat(record.get("attempts").asInt()).isEqualTo(calls);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(definitions.log(trigger)).singleElement()
                .extracting(DeliveryEntry::status).isEqualTo(DeliveryEntry.Status.DEAD));
        Thread.sleep(500);
        assertThat(receiver.calls("/failing")).as("the dead record was written again, the endpoint not called").hasSize(calls);
    }

    /**
     * Waits until the trigger's firing has had its dead record refused {@code times} times: each refusal is logged
     * with the time of the next try.
     */
    private void awaitDeadRecordRefused(String trigger, int times) {
        Set<Instant> tries = ConcurrentHashMap.newKeySet();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            definitions.log(trigger).stream()
                    .filter(e -> e.status() == DeliveryEntry.Status.RETRYING && e.lastError() != null
                            && e.lastError().contains("writing it to " + DeadFirings.TOPIC + " failed"))
                    .forEach(e -> tries.add(e.nextAttemptAt()));
            return tries.size() >= times;
        });
    }

    /** A 410 whose dead record the broker refuses at first: the firing ends on the dead topic, not cancelled. */
    @Test
    void a410WhoseDeadRecordIsRefusedAtFirstStillEndsOnTheDeadTopic() throws Exception {
        String trigger = unique("gone-refused");
        JsonNode record = goneWhileTheDeadTopicRefuses(trigger, "/gone-refused", segment -> { });

        assertThat(record.get("lastStatus").asInt()).isEqualTo(410);
        assertThat(record.get("reason").asText()).startsWith("endpoint gone (410)");
        assertThat(definitions.disabled(trigger)).isTrue();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(definitions.log(trigger)).singleElement()
                .extracting(DeliveryEntry::status).isEqualTo(DeliveryEntry.Status.DEAD));
        assertThat(receiver.calls("/gone-refused")).as("called once: the 410 is not asked again").hasSize(1);
    }

    /** The same, with the trigger saved with a new URL while the dead record waits: the save stands. */
    @Test
    void a410WhoseDeadRecordWaitsDoesNotDisableTheTriggerSavedMeanwhile() throws Exception {
        String trigger = unique("gone-moved");
        goneWhileTheDeadTopicRefuses(trigger, "/gone-moved", segment -> definitions.define(trigger,
                "{'when': {'segment': '" + segment + "', 'change': 'entered'}, 'action': " + webhook(receiver.url("/moved")) + "}"));

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(definitions.log(trigger))
                .extracting(DeliveryEntry::status).contains(DeliveryEntry.Status.DEAD));
        assertThat(definitions.disabled(trigger)).as("the definition saved since the call stands").isFalse();
    }

    /**
     * A trigger on entry whose endpoint at {@code path} answers 410 while the broker refuses the dead topic:
     * {@code meanwhile} runs (with the trigger's segment) after the dead record was refused, then the topic takes
     * records again. Returns the dead record.
     */
    private JsonNode goneWhileTheDeadTopicRefuses(String trigger, String path, java.util.function.Consumer<String> meanwhile)
            throws Exception {
        String segment = triggerOnEntry(trigger, receiver.url(path));
        receiver.script(path, Answer.of(410));
        String user = unique("user");
        try (RefusedTopic refused = RefusedTopic.refuse(TestServices.kafkaBootstrapServers(), DeadFirings.TOPIC);
             TopicReader dead = new TopicReader(TestServices.kafkaBootstrapServers(), DeadFirings.TOPIC)) {
            enter(user, segment, 1);
            receiver.await(path, 1, Duration.ofSeconds(20));
            awaitDeadRecordRefused(trigger, 1);
            meanwhile.accept(segment);

            refused.lift();

            return Json.read(dead.await(r -> user.equals(r.key()), 1, Duration.ofSeconds(20)).get(0).value(), JsonNode.class);
        }
    }

    @Test
    void anEndpointDownAndBackGetsEveryFiring() throws Exception {
        WebhookReceiver later = WebhookReceiver.down();
        try {
            String trigger = unique("down");
            String segment = triggerOnEntry(trigger, later.url("/down"));
            String user = unique("user");
            for (long version = 1; version <= 5; version += 2) {
                enter(user, segment, version);
            }
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(definitions.log(trigger))
                    .as("each refused, waiting for its retry in Redis").hasSize(3)
                    .allSatisfy(e -> assertThat(e.status()).isEqualTo(DeliveryEntry.Status.RETRYING)));
            later.listen();

            List<WebhookReceiver.Call> calls = later.await("/down", 3, Duration.ofSeconds(20));
            assertThat(calls).extracting(c -> Json.read(c.body(), JsonNode.class).at("/data/version").asLong())
                    .containsExactlyInAnyOrder(1L, 3L, 5L);
        } finally {
            later.close();
        }
    }

    @Test
    void aClosedPortIsLoggedAsTheConnectionRefusedByItsHostAndPort() {
        String url = WebhookReceiver.down().url("/closed");

        assertFailureLoggedAs(url, "connection refused by 127.0.0.1:" + URI.create(url).getPort());
    }

    /** The address check resolves the host before the call, and refuses a name without addresses. */
    @Test
    void anUnresolvableHostIsLoggedAsRefusedForIt() {
        String host = unique("hooks") + ".invalid";

        assertFailureLoggedAs("https://" + host + "/hook", "refused: cannot resolve " + host);
    }

    @Test
    void anEndpointThatNeverAnswersIsLoggedAsNoAnswerWithinTheTimeout() throws Exception {
        try (SilentEndpoint silent = SilentEndpoint.start()) {
            assertFailureLoggedAs(silent.url("/silent"), "no answer within 2000 ms");
        }
    }

    /**
     * A firing to {@code url} that gets no HTTP answer shows {@code words} as its {@code lastError} while it is retried,
     * and after the reason once it is dead.
     */
    private void assertFailureLoggedAs(String url, String words) {
        String trigger = unique("unanswered");
        String segment = triggerOnEntry(trigger, url);

        enter(unique("user"), segment, 1);

        DeliveryEntry retrying = await().atMost(Duration.ofSeconds(20))
                .until(() -> definitions.log(trigger), log -> log.size() == 1 && log.get(0).status() == DeliveryEntry.Status.RETRYING)
                .get(0);
        assertThat(retrying.lastStatus()).isNull();
        assertThat(retrying.lastError()).isEqualTo(words);
        DeliveryEntry dead = await().atMost(Duration.ofSeconds(20))
                .until(() -> definitions.log(trigger), log -> log.size() == 1 && log.get(0).status() == DeliveryEntry.Status.DEAD)
                .get(0);
        assertThat(dead.lastError()).isEqualTo("retry deadline passed: " + words);
    }
}
