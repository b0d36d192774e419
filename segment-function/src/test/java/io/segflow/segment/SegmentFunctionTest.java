package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.segflow.core.event.Event;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.redis.RedisKeys;
import io.segflow.testkit.TopicReader;
import io.segflow.testkit.TopicWriter;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
class SegmentFunctionTest extends SegmentFunctionTestBase {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private String user;

    @BeforeEach
    void setUp() {
        define("carts", "count(\"add_to_cart\") >= 2");
        define("pro", "\"plan\" in traits && traits.plan == \"pro\"");
        user = "user-" + UUID.randomUUID();
    }

    private void track(String name, String messageId) {
        send(trackEvent(name, messageId));
    }

    private Event trackEvent(String name, String messageId) {
        return trackEvent(user, name, messageId);
    }

    private void identify(Map<String, Object> traits) {
        send(identifyEvent(user, traits));
    }

    /** The user's changes of one segment once {@code count} arrived; every record of the user so far once, in order. */
    private List<JsonNode> changesOf(String segment, int count) {
        List<JsonNode> found = changes.await(r -> user.equals(r.key()) && r.value().contains("\"" + segment + "\""), count, WAIT)
                .stream().map(r -> Json.read(r.value(), JsonNode.class)).toList();
        List<Long> versions = changes.drain(r -> user.equals(r.key()), Duration.ZERO).stream()
                .map(r -> Json.read(r.value(), JsonNode.class).get("version").asLong()).toList();
        assertThat(versions).as("versions published for %s", user).isSorted().doesNotHaveDuplicates();
        return found;
    }

    private java.util.Set<String> members() {
        return memberships(user).since().keySet();
    }

    @Test
    void entersACountSegmentOnTheSecondEvent() {
        track("add_to_cart", "m-1");
        track("add_to_cart", "m-2");

        JsonNode change = changesOf("carts", 1).get(0);
        assertThat(change.get("userId").asText()).isEqualTo(user);
        assertThat(change.get("change").asText()).isEqualTo("entered");
        assertThat(change.get("version").asLong()).isEqualTo(1);
        assertThat(change.get("cause").asText()).isEqualTo("event:m-2");
        await().atMost(WAIT).until(() -> members().contains("carts"));
    }

    @Test
    void aPublishedChangeLeavesItsPartitionsPendingListOnceTheUserIsQuiet() {
        track("add_to_cart", "m-1");
        track("add_to_cart", "m-2");
        changesOf("carts", 1);

        // Kept until Kafka acknowledged it, for a new owner to publish again; then trimmed, with no later event needed.
        String pending = RedisKeys.changes(partitionOf(user));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(redis.list(String.class).lrange(pending, 0, -1))
                .as("records of %s still pending in %s", user, pending).noneMatch(record -> record.contains(user)));
    }

    @Test
    void aRedeliveredMessageIdCountsOnce() {
        track("add_to_cart", "dup");
        track("add_to_cart", "dup");
        track("page_view", "after");
        await().atMost(WAIT).until(() -> record(user).map(r -> r.profile().count("page_view") == 1).orElse(false));

        assertThat(record(user).orElseThrow().profile().count("add_to_cart")).isEqualTo(1);
        assertThat(members()).doesNotContain("carts");
    }

    @Test
    void traitsMoveUsersInAndOut() {
        identify(Map.of("plan", "pro"));
        identify(Map.of("plan", "free"));

        List<JsonNode> proChanges = changesOf("pro", 2);
        assertThat(proChanges).extracting(c -> c.get("change").asText()).containsExactly("entered", "exited");
        assertThat(proChanges.get(1).get("version").asLong()).isGreaterThan(proChanges.get(0).get("version").asLong());
        await().atMost(WAIT).until(() -> !members().contains("pro") && memberships(user).version() == 2);
    }

    @Test
    void theChangesAnEventCausesContinueItsTrace() {
        String traceId = UUID.randomUUID().toString().replace("-", "");
        track("add_to_cart", "traced-1");
        events.send(user, Json.write(trackEvent("add_to_cart", "traced-2")),
                Map.of("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")); // as ingest writes it

        ConsumerRecord<String, String> entered = changes.await(r -> user.equals(r.key()) && r.value().contains("\"carts\""), 1, WAIT).get(0);
        Header traceparent = entered.headers().lastHeader("traceparent");
        assertThat(traceparent).as("the change record's trace header").isNotNull();
        assertThat(new String(traceparent.value(), StandardCharsets.UTF_8)).startsWith("00-" + traceId + "-");
    }

    @Test
    void aWindowedSegmentEntersOnEventsAndExitsOnTimeWithNoFurtherEvent() {
        String segment = "pings-" + UUID.randomUUID().toString().substring(0, 6);
        define(segment, "count(\"ping\", \"3s\") >= 2");
        track("ping", "p-1");
        track("ping", "p-2");

        List<JsonNode> flips = changesOf(segment, 2);
        assertThat(flips).extracting(c -> c.get("change").asText()).containsExactly("entered", "exited");
        assertThat(flips.get(0).get("cause").asText()).isEqualTo("event:p-2");
        assertThat(flips.get(1).get("cause").asText()).startsWith("time:");
        // The exit came from the schedule alone: a window of 3 s, at most one 1 s bucket late, plus polling.
        long enteredAt = Instant.parse(flips.get(0).get("at").asText()).toEpochMilli();
        long exitedAt = Instant.parse(flips.get(1).get("at").asText()).toEpochMilli();
        assertThat(exitedAt - enteredAt).isBetween(2_000L, 6_000L);
        await().atMost(WAIT).until(() -> !members().contains(segment));

        // How late the flip came shows on /q/metrics in the buckets the operator's "p99 under 1 s" is read from.
        String metrics = RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("segflow_time_flip_lateness_seconds_bucket{le=\"1.0\"}",
                "segflow_time_flip_lateness_seconds_bucket{le=\"30.0\"}");
        assertThat(sample(metrics, "segflow_time_flip_lateness_seconds_count")).isPositive();
    }

    @Test
    void aWindowEndingAfterAnUnrelatedSegmentWasSavedIsStillTimesDoing() {
        String segment = "pings-" + UUID.randomUUID().toString().substring(0, 6);
        define(segment, "count(\"ping\", \"3s\") >= 2");
        track("ping", "p-1");
        track("ping", "p-2");
        assertThat(changesOf(segment, 1).get(0).get("change").asText()).isEqualTo("entered");

        // The user does not enter this one: the backfill's visit writes nothing, so the user is still behind the
        // catalog when the window ends, and that wake catches it up.
        define("unrelated-" + UUID.randomUUID().toString().substring(0, 6), "count(\"never-sent\") >= 1");

        JsonNode exit = changesOf(segment, 2).get(1);
        assertThat(exit.get("change").asText()).isEqualTo("exited");
        assertThat(exit.get("cause").asText()).startsWith("time:");
    }

    /** The value of a metric without labels in Prometheus' text format. */
    private static double sample(String metrics, String name) {
        return metrics.lines().filter(line -> line.startsWith(name + " ")).findFirst()
                .map(line -> Double.parseDouble(line.substring(name.length() + 1).trim())).orElse(0.0);
    }

    @Test
    void inactivityAndScoreDecayFlipWithTime() {
        String idle = "idle-" + UUID.randomUUID().toString().substring(0, 6);
        String hot = "hot-" + UUID.randomUUID().toString().substring(0, 6);
        // A half-life long enough that a busy machine processes the event before the score decays below 5.
        redis.value(String.class).set(RedisKeys.SCORING, "{\"halfLife\":\"5s\",\"weights\":{\"visit\":10}}");
        define(idle, "now - lastSeen > duration(\"2s\")");
        define(hot, "score > 5");
        track("visit", "v-1");

        assertThat(changesOf(hot, 2)).extracting(c -> c.get("change").asText()).containsExactly("entered", "exited");
        assertThat(changesOf(idle, 1).get(0).get("change").asText()).isEqualTo("entered");
    }

    @Test
    void anErasureExitsEverySegmentAndForgetsTheUser() {
        track("add_to_cart", "e-1");
        track("add_to_cart", "e-2");
        changesOf("carts", 1);
        long version = memberships(user).version();
        assertThat(indexedSince("carts", user)).as("indexed by the store that the change record follows").isPresent();

        send(io.segflow.core.event.Event.erasure(user, "erase-" + UUID.randomUUID(), Instant.now()));

        JsonNode exit = changesOf("carts", 2).get(1);
        assertThat(exit.get("change").asText()).isEqualTo("exited");
        assertThat(exit.get("cause").asText()).isEqualTo("erasure");
        assertThat(exit.get("version").asLong()).isEqualTo(version + 1);
        JsonNode erased = changesOf("erased", 1).get(0);
        assertThat(erased.get("cause").asText()).isEqualTo("erasure");
        assertThat(erased.has("segmentId")).isFalse();
        assertThat(erased.get("version").asLong()).as("after the exits").isEqualTo(version + 2);
        await().atMost(WAIT).until(() -> record(user).isEmpty());
        int partition = partitionOf(user);
        assertThat(indexedSince("carts", user)).isEmpty();
        assertThat(redis.set(String.class).sismember(RedisKeys.users(partition), user)).isFalse();
        assertThat(redis.sortedSet(String.class).zscore(RedisKeys.schedule(partition), user)).isEmpty();

        // A later event starts a new profile: one cart is not two.
        track("add_to_cart", "e-3");
        await().atMost(WAIT).until(() -> record(user).map(r -> r.profile().count("add_to_cart") == 1).orElse(false));
        assertThat(memberships(user).contains("carts")).isFalse();
    }

    @Test
    void anErasureOfAUserWithoutMembershipsEndsItsVersionsAllTheSame() {
        identify(Map.of("plan", "pro"));
        changesOf("pro", 1);
        identify(Map.of("plan", "free"));
        changesOf("pro", 2); // entered at version 1, exited at 2: no memberships left, versions at 2

        send(io.segflow.core.event.Event.erasure(user, "erase-" + UUID.randomUUID(), Instant.now()));

        // Without it, a consumer that saw versions 1 and 2 would drop the next profile's first two as repeats.
        JsonNode erased = changesOf("erased", 1).get(0);
        assertThat(erased.get("version").asLong()).isEqualTo(3);
        assertThat(erased.get("cause").asText()).isEqualTo("erasure");
        await().atMost(WAIT).until(() -> record(user).isEmpty());

        identify(Map.of("plan", "pro"));
        List<JsonNode> all = changes.await(r -> user.equals(r.key()), 4, WAIT).stream()
                .map(r -> Json.read(r.value(), JsonNode.class)).toList();
        assertThat(all).extracting(c -> c.get("change").asText() + "@" + c.get("version").asLong())
                .containsExactly("entered@1", "exited@2", "erased@3", "entered@1");
    }

    @Test
    void aUserHeldInMemoryGoesOnFromItsOwnCopyNotFromRedis() {
        track("add_to_cart", "m-1");
        await().atMost(WAIT).until(() -> record(user).map(r -> r.profile().count("add_to_cart") == 1).orElse(false));
        // Redis's copy damaged behind the owner's back: the owner reads Redis only on a miss, so it goes on from the
        // record it stored last and writes the user back whole.
        redis.value(byte[].class).set(RedisKeys.user(partitionOf(user), user), new byte[] {42, 1, 2, 3});

        track("add_to_cart", "m-2");

        await().ignoreExceptions().atMost(WAIT)
                .until(() -> record(user).map(r -> r.profile().count("add_to_cart") == 2).orElse(false));
        assertThat(changesOf("carts", 1).get(0).get("change").asText()).isEqualTo("entered");
    }

    @Test
    void aSegmentSavedJustBeforeAnEventIsWhatThatEventIsEvaluatedAgainst() {
        track("add_to_cart", "m-1");
        await().atMost(WAIT).until(() -> record(user).isPresent()); // held in memory from here on
        String viewers = "viewers-" + UUID.randomUUID();

        define(viewers, "count(\"view_product\") >= 1");
        track("view_product", "v-1");

        // Memory holds the user, so the event's round reads nothing first: the store's watch of the catalog revision
        // refuses the round evaluated against the older catalog, and the event goes again against the new one. The
        // event enters the user, not the backfill that a later check of the catalog would start.
        assertThat(changesOf(viewers, 1).get(0).get("cause").asText()).isEqualTo("event:v-1");
    }

    @Test
    void aSegmentSavedWhileTheEngineIsQuietReachesItsUsersByBackfill() {
        // A viewer in every partition, so that the store's last flushes leave every partition's state watched.
        int partitions = Integer.parseInt(redis.value(String.class).get(RedisKeys.EVENT_PARTITIONS));
        Map<Integer, String> viewers = new java.util.TreeMap<>();
        for (int n = 0; viewers.size() < partitions; n++) {
            viewers.putIfAbsent(partitionOf(user + "-" + n), user + "-" + n);
        }
        viewers.values().forEach(viewer -> send(trackEvent(viewer, "view_product", "v-1")));
        await().atMost(WAIT).until(() -> viewers.values().stream().allMatch(viewer -> record(viewer).isPresent()));
        // Quiet: every published record trimmed, so that no flush follows until the engine reads the new catalog on
        // its own. Its next flush is then of a round evaluated against a newer revision than the one its store
        // watched at its last flush.
        await().atMost(WAIT).until(this::allPendingListsEmpty);
        String segment = "viewers-" + UUID.randomUUID();

        long revision = define(segment, "count(\"view_product\") >= 1");

        for (String viewer : viewers.values()) {
            JsonNode entered = changes.await(r -> viewer.equals(r.key()) && r.value().contains(segment), 1, WAIT)
                    .stream().map(r -> Json.read(r.value(), JsonNode.class)).findFirst().orElseThrow();
            assertThat(entered.get("cause").asText()).isEqualTo("segments:" + revision);
        }
    }

    private boolean allPendingListsEmpty() {
        int partitions = Integer.parseInt(redis.value(String.class).get(RedisKeys.EVENT_PARTITIONS));
        for (int partition = 0; partition < partitions; partition++) {
            if (redis.list(String.class).llen(RedisKeys.changes(partition)) > 0) {
                return false;
            }
        }
        return true;
    }

    @Test
    void aStoredRecordThatDoesNotDecodeIsStartedAgainInsteadOfStoppingThePartition() {
        // A damaged value the engine has not read yet (not in its memory): it is read with the user's next event.
        redis.value(byte[].class).set(RedisKeys.user(partitionOf(user), user), new byte[] {42, 1, 2, 3});
        String neighbour = user + "-next";

        track("add_to_cart", "c-1");
        send(trackEvent(neighbour, "add_to_cart", "n-1"));

        // Until the engine writes it again, the damaged value fails to decode here too.
        await().ignoreExceptions().atMost(WAIT)
                .until(() -> record(user).map(r -> r.profile().count("add_to_cart") == 1).orElse(false));
        await().atMost(WAIT).until(() -> record(neighbour).isPresent());
    }

    @Test
    void aRecordThatKeepsFailingGoesToTheDeadLetterTopicAndThePartitionMovesOn() {
        // No timestamp and no receivedAt: ingest never writes such a record, and the profile cannot place it in time.
        Event timeless = new Event(1, "track", "p-1", user, null, "add_to_cart", null, null, null, null, Map.of(), null,
                null, null, null, null, null, "test");
        // The topic must exist before the reader subscribes: a consumer looks for a missing topic again only slowly.
        try (TopicWriter existing = new TopicWriter(bootstrapServers, io.segflow.core.Topics.EVENTS_DEAD_LETTER)) {
            existing.send("someone-else", "{}");
        }
        try (TopicReader deadLetters = new TopicReader(bootstrapServers, io.segflow.core.Topics.EVENTS_DEAD_LETTER)) {
            send(timeless);
            track("add_to_cart", "p-2");
            track("add_to_cart", "p-3");

            var dead = deadLetters.await(r -> user.equals(r.key()), 1, WAIT).get(0);
            assertThat(dead.value()).contains("\"messageId\":\"p-1\"");
            assertThat(new String(dead.headers().lastHeader("segflow.reason").value(), StandardCharsets.UTF_8)).isNotBlank();
            assertThat(changesOf("carts", 1)).hasSize(1);
            assertThat(record(user).orElseThrow().profile().count("add_to_cart")).isEqualTo(2);
        }
    }

    @Test
    void aDeletedSegmentsMembersExitWithNoFurtherEvent() {
        String segment = "gone-" + UUID.randomUUID().toString().substring(0, 6);
        define(segment, "count(\"touch\") >= 1");
        track("touch", "t-1");
        JsonNode entry = changesOf(segment, 1).get(0);
        assertThat(indexedSince(segment, user)).as("indexed when the change record is out")
                .hasValue((double) Instant.parse(entry.get("at").asText()).toEpochMilli());
        redis.hash(String.class).hdel(RedisKeys.SEGMENTS, segment);
        redis.value(Long.class).incr(RedisKeys.SEGMENTS_REVISION);

        // The backfill wakes every known user: this one is evaluated against the catalog without the segment. The
        // exit says the segment went, not the user (segment triggers on exits do not fire for it).
        JsonNode exit = changesOf(segment, 2).get(1);
        assertThat(exit.get("change").asText()).isEqualTo("exited");
        assertThat(exit.get("cause").asText()).isEqualTo(SegmentChange.REMOVAL);
        assertThat(indexedSince(segment, user)).as("out of the index when the exit is out").isEmpty();
    }

    @Test
    void aTraitOfTheWrongTypeCountsAsFalseAndTheConsumerGoesOn() {
        define("adults", "traits.age >= 18");
        identify(Map.of("age", "thirty"));
        identify(Map.of("plan", "pro"));

        assertThat(changesOf("pro", 1)).hasSize(1);
        assertThat(members()).doesNotContain("adults");
    }
}
