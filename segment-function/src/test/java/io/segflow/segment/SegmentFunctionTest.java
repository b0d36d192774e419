package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.event.Event;
import io.segflow.core.json.Json;
import io.segflow.core.profile.ProfileFields;
import io.segflow.core.redis.RedisKeys;
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

    @Inject
    EventProcessor processor;

    @Inject
    SegmentCatalog catalog;

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

    private Map<String, String> members() {
        return redis.hash(String.class).hgetall(RedisKeys.members(user));
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
        await().atMost(WAIT).until(() -> members().containsKey("carts"));
    }

    @Test
    void aRedeliveredMessageIdCountsOnce() {
        track("add_to_cart", "dup");
        track("add_to_cart", "dup");
        track("page_view", "after");
        await().atMost(WAIT).until(() -> "1".equals(redis.hash(String.class).hget(RedisKeys.profile(user), ProfileFields.count("page_view"))));

        assertThat(redis.hash(String.class).hget(RedisKeys.profile(user), ProfileFields.count("add_to_cart"))).isEqualTo("1");
        assertThat(members()).doesNotContainKey("carts");
    }

    @Test
    void traitsMoveUsersInAndOut() {
        identify(Map.of("plan", "pro"));
        identify(Map.of("plan", "free"));

        List<JsonNode> proChanges = changesOf("pro", 2);
        assertThat(proChanges).extracting(c -> c.get("change").asText()).containsExactly("entered", "exited");
        assertThat(proChanges.get(1).get("version").asLong()).isGreaterThan(proChanges.get(0).get("version").asLong());
        await().atMost(WAIT).until(() -> !members().containsKey("pro") && "2".equals(members().get(RedisKeys.VERSION_FIELD)));
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
        await().atMost(WAIT).until(() -> !members().containsKey(segment));
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
    void aRedeliveryAfterACrashBeforeTheOffsetCommitCountsOnce() {
        String segment = "twice-" + UUID.randomUUID().toString().substring(0, 6);
        define(segment, "count(\"redelivered\") >= 2");
        catalog.refresh();
        Event first = trackEvent("redelivered", "r-1");
        ProfileStore.Position position = new ProfileStore.Position(0, 1_000_000);
        processor.process(first, position);
        // The crash lost the commit, and the dedup marker expired: only the offset kept in the profile is left.
        redis.key().del(RedisKeys.seen(user, "r-1"));
        processor.process(first, position);

        assertThat(redis.hash(String.class).hget(RedisKeys.profile(user), ProfileFields.count("redelivered"))).isEqualTo("1");
        assertThat(members()).doesNotContainKey(segment);
        processor.process(trackEvent("redelivered", "r-2"), new ProfileStore.Position(0, 1_000_001));
        assertThat(members()).containsKey(segment);
        assertThat(redis.sortedSet(String.class).zscore(RedisKeys.segmentMembers(segment), user)).isPresent();
    }

    @Test
    void changesStoredBeforeACrashArePublishedWithTheUsersNextEventOnceTheLeaseEnded() {
        String segment = "boxed-" + UUID.randomUUID().toString().substring(0, 6);
        define(segment, "count(\"boxed\") >= 1");
        catalog.refresh();
        // Stored with its transition and claimed, then the process dies before publishing: the record waits in the
        // outbox, under a lease nobody releases.
        Outbox.Claim lost = processor.process(trackEvent("boxed", "b-1"), new ProfileStore.Position(1, 2_000_000));
        assertThat(lost).isInstanceOfSatisfying(Outbox.Claimed.class, claimed -> assertThat(claimed.records()).hasSize(1));
        assertThat(redis.list(String.class).llen(RedisKeys.outbox(user))).isEqualTo(1);
        redis.key().del(RedisKeys.outboxLease(user)); // the lease ended

        track("unrelated", "b-2");

        JsonNode change = changesOf(segment, 1).get(0);
        assertThat(change.get("change").asText()).isEqualTo("entered");
        assertThat(change.get("cause").asText()).isEqualTo("event:b-1");
        await().atMost(WAIT).until(() -> redis.list(String.class).llen(RedisKeys.outbox(user)) == 0);
        assertThat(changes.drain(r -> user.equals(r.key()) && r.value().contains(segment), Duration.ofSeconds(1))).hasSize(1);
    }

    @Test
    void aDeletedSegmentsMembersExitWithNoFurtherEvent() {
        String segment = "gone-" + UUID.randomUUID().toString().substring(0, 6);
        define(segment, "count(\"touch\") >= 1");
        track("touch", "t-1");
        changesOf(segment, 1);
        redis.hash(String.class).hdel(RedisKeys.SEGMENTS, segment);
        long revision = redis.value(Long.class).incr(RedisKeys.SEGMENTS_REVISION);

        // The backfill wakes every known user: this one is evaluated against the catalog without the segment.
        JsonNode exit = changesOf(segment, 2).get(1);
        assertThat(exit.get("change").asText()).isEqualTo("exited");
        assertThat(exit.get("cause").asText()).isEqualTo("segments:" + revision);
        await().atMost(WAIT).until(() -> redis.sortedSet(String.class).zscore(RedisKeys.segmentMembers(segment), user).isEmpty());
    }

    @Test
    void aTraitOfTheWrongTypeCountsAsFalseAndTheConsumerGoesOn() {
        define("adults", "traits.age >= 18");
        identify(Map.of("age", "thirty"));
        identify(Map.of("plan", "pro"));

        assertThat(changesOf("pro", 1)).hasSize(1);
        assertThat(members()).doesNotContainKey("adults");
    }
}
