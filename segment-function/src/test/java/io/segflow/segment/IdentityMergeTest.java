package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
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
import io.segflow.core.state.RecentMessages;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import io.segflow.testkit.TopicReader;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Anonymous visitors becoming known users, on real Kafka and Redis: every step of a merge runs on the partition of
 * the id it changes, so the tests look at both ids' records and change records.
 */
@QuarkusTest
class IdentityMergeTest extends SegmentFunctionTestBase {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Inject
    MeterRegistry metrics;

    private String anonymous;
    private String user;

    @BeforeEach
    void setUp() {
        define("carts", "count(\"add_to_cart\") >= 2");
        define("browsers", "count(\"page\") >= 1");
        define("pro", "\"plan\" in traits && traits.plan == \"pro\"");
        anonymous = "anon-" + UUID.randomUUID();
        user = "user-" + UUID.randomUUID();
    }

    private static Event anonymousTrack(String anonymousId, String name) {
        return new Event(1, "track", UUID.randomUUID().toString(), null, anonymousId, name, null, null, null, null, Map.of(),
                null, null, Instant.now(), null, null, Instant.now(), "test");
    }

    private static Event anonymousPage(String anonymousId) {
        return new Event(1, "page", UUID.randomUUID().toString(), null, anonymousId, null, "Home", null, null, null, Map.of(),
                null, null, Instant.now(), null, null, Instant.now(), "test");
    }

    private static Event identify(String userId, String anonymousId, Map<String, Object> traits) {
        return new Event(1, "identify", UUID.randomUUID().toString(), userId, anonymousId, null, null, null, null, traits,
                null, null, null, Instant.now(), null, null, Instant.now(), "test");
    }

    private static Event alias(String userId, String previousId) {
        return new Event(1, "alias", UUID.randomUUID().toString(), userId, null, null, null, null, previousId, null,
                null, null, null, Instant.now(), null, null, Instant.now(), "test");
    }

    private UserRecord awaitMerged(String into, String... ids) {
        await().atMost(WAIT).until(() -> record(into).map(r -> r.identity().mergedIds().containsAll(List.of(ids))).orElse(false));
        return record(into).orElseThrow();
    }

    private List<JsonNode> changesOf(String id, int count) {
        return changes.await(r -> id.equals(r.key()), count, WAIT).stream().map(r -> Json.read(r.value(), JsonNode.class)).toList();
    }

    @Test
    void browsingAnonymouslyThenSigningUpKeepsTheCartAndMovesTheMemberships() {
        send(anonymousPage(anonymous));
        send(anonymousTrack(anonymous, "add_to_cart"));
        await().atMost(WAIT).until(() -> memberships(anonymous).contains("browsers"));

        send(identify(user, anonymous, Map.of("plan", "pro")));
        send(trackEvent(user, "add_to_cart", "cart-2"));

        UserRecord merged = awaitMerged(user, anonymous);
        await().atMost(WAIT).until(() -> memberships(user).contains("carts") && memberships(user).contains("browsers"));
        merged = record(user).orElseThrow();
        assertThat(merged.profile().count("add_to_cart")).isEqualTo(2);
        assertThat(merged.profile().count("page")).isEqualTo(1);
        assertThat(merged.identity().known()).isTrue();
        assertThat(merged.memberships().since()).containsOnlyKeys("carts", "browsers", "pro");

        UserRecord forward = record(anonymous).orElseThrow();
        assertThat(forward.isForward()).isTrue();
        assertThat(forward.mergedInto()).isEqualTo(user);
        // The anonymous id: entered browsers, then left it and became the user, in version order.
        List<JsonNode> anonymousChanges = changesOf(anonymous, 3);
        assertThat(anonymousChanges).extracting(c -> c.get("change").asText()).containsExactly("entered", "exited", "merged");
        // Its exit and its merged record name the user they are of; the user's own changes name the merged id.
        assertThat(anonymousChanges.get(1).get("cause").asText()).isEqualTo("merged-into:" + user);
        assertThat(anonymousChanges.get(2).get("cause").asText()).isEqualTo("merged-into:" + user);
        assertThat(anonymousChanges.get(2).has("segmentId")).isFalse();
        assertThat(anonymousChanges).extracting(c -> c.get("version").asLong()).containsExactly(1L, 2L, 3L);
        assertThat(forward.memberships().version()).isEqualTo(3);
        // The user entered browsers through the merge, and carts once (by the merge or by its own event, not both).
        List<JsonNode> userChanges = changes.drain(r -> user.equals(r.key()), Duration.ofMillis(500)).stream()
                .map(r -> Json.read(r.value(), JsonNode.class)).toList();
        assertThat(userChanges).filteredOn(c -> c.get("segmentId").asText().equals("browsers"))
                .extracting(c -> c.get("cause").asText()).containsExactly("merged:" + anonymous);
        assertThat(userChanges).filteredOn(c -> c.get("segmentId").asText().equals("carts"))
                .extracting(c -> c.get("change").asText()).containsExactly("entered");
    }

    @Test
    void anAliasMergesThePreviousId() {
        send(anonymousTrack(anonymous, "add_to_cart"));
        send(anonymousTrack(anonymous, "add_to_cart"));
        await().atMost(WAIT).until(() -> memberships(anonymous).contains("carts"));

        send(alias(user, anonymous));

        awaitMerged(user, anonymous);
        await().atMost(WAIT).until(() -> memberships(user).contains("carts"));
        assertThat(record(user).orElseThrow().profile().count("add_to_cart")).isEqualTo(2);
        assertThat(record(anonymous).orElseThrow().mergedInto()).isEqualTo(user);
    }

    @Test
    void eventsThatStillCarryOnlyTheAnonymousIdCountOnTheUser() {
        send(anonymousTrack(anonymous, "add_to_cart"));
        send(identify(user, anonymous, Map.of()));
        awaitMerged(user, anonymous);

        send(anonymousTrack(anonymous, "add_to_cart")); // a late SDK flush from the anonymous session
        send(anonymousPage(anonymous));

        await().atMost(WAIT).until(() -> record(user).map(r -> r.profile().count("page") == 1).orElse(false));
        UserRecord merged = record(user).orElseThrow();
        assertThat(merged.profile().count("add_to_cart")).isEqualTo(2);
        assertThat(memberships(user).since()).containsKeys("carts", "browsers");
        assertThat(record(anonymous).orElseThrow().isForward()).isTrue();
    }

    @Test
    void eventsBeforeDuringAndAfterTheMergeCountExactlyOnce() {
        for (int i = 0; i < 5; i++) {
            send(anonymousTrack(anonymous, "view"));
        }
        send(identify(user, anonymous, Map.of()));
        for (int i = 0; i < 5; i++) {
            send(anonymousTrack(anonymous, "view"));
            send(trackEvent(user, "view", UUID.randomUUID().toString()));
        }
        // The same identify again, and a merge request that arrives twice: neither merges anything twice.
        send(identify(user, anonymous, Map.of()));
        Event again = IdentityRecords.mergeRequest(anonymous, user, Instant.now());
        send(again);
        send(again);

        await().atMost(WAIT).until(() -> record(user).map(r -> r.profile().count("view") == 15).orElse(false));
        send(trackEvent(user, "done", "done-1"));
        await().atMost(WAIT).until(() -> record(user).map(r -> r.profile().count("done") == 1).orElse(false));
        assertThat(record(user).orElseThrow().profile().count("view")).isEqualTo(15);
        assertThat(record(user).orElseThrow().identity().mergedIds()).containsExactly(anonymous);
    }

    @Test
    void anAnonymousIdMergedIntoOneUserIsNotMergedIntoASecond() {
        String second = "user-" + UUID.randomUUID();
        send(anonymousTrack(anonymous, "add_to_cart"));
        send(identify(user, anonymous, Map.of()));
        awaitMerged(user, anonymous);

        send(identify(second, anonymous, Map.of()));
        send(anonymousTrack(anonymous, "add_to_cart")); // after the refused merge: still the first user's
        send(trackEvent(second, "marker", "second-marker"));

        await().atMost(WAIT).until(() -> record(user).map(r -> r.profile().count("add_to_cart") == 2).orElse(false));
        await().atMost(WAIT).until(() -> record(second).map(r -> r.profile().count("marker") == 1).orElse(false));
        assertThat(record(anonymous).orElseThrow().mergedInto()).isEqualTo(user);
        assertThat(record(second).orElseThrow().profile().count("add_to_cart")).isZero();
        assertThat(record(second).orElseThrow().identity().mergedIds()).isEmpty();
    }

    @Test
    void twoDevicesMergeIntoOneUser() {
        String phone = "anon-phone-" + UUID.randomUUID();
        send(anonymousTrack(anonymous, "add_to_cart"));
        send(anonymousTrack(phone, "add_to_cart"));

        send(identify(user, anonymous, Map.of()));
        send(identify(user, phone, Map.of()));

        UserRecord merged = awaitMerged(user, anonymous, phone);
        assertThat(merged.profile().count("add_to_cart")).isEqualTo(2);
        await().atMost(WAIT).until(() -> memberships(user).contains("carts"));
        assertThat(record(phone).orElseThrow().mergedInto()).isEqualTo(user);
    }

    @Test
    void aKnownUserIsNotMergedIntoAnother() {
        String other = "user-" + UUID.randomUUID();
        send(trackEvent(other, "add_to_cart", UUID.randomUUID().toString()));
        await().atMost(WAIT).until(() -> record(other).isPresent());

        send(alias(user, other));
        send(trackEvent(user, "marker", "marker-1"));
        send(trackEvent(other, "marker", "marker-2"));

        await().atMost(WAIT).until(() -> record(other).map(r -> r.profile().count("marker") == 1).orElse(false));
        await().atMost(WAIT).until(() -> record(user).map(r -> r.profile().count("marker") == 1).orElse(false));
        UserRecord refused = record(other).orElseThrow();
        assertThat(refused.isForward()).isFalse();
        assertThat(refused.profile().count("add_to_cart")).isEqualTo(1);
        assertThat(record(user).orElseThrow().profile().count("add_to_cart")).isZero();
        assertThat(record(user).orElseThrow().identity().mergedIds()).isEmpty();
    }

    @Test
    void erasingTheUserErasesTheAnonymousIdsMergedIntoIt() {
        send(anonymousTrack(anonymous, "add_to_cart"));
        send(identify(user, anonymous, Map.of()));
        awaitMerged(user, anonymous);
        await().atMost(WAIT).until(() -> record(anonymous).map(UserRecord::isForward).orElse(false));
        long forwardVersion = record(anonymous).orElseThrow().memberships().version();

        send(Event.erasure(user, "erase-" + UUID.randomUUID(), Instant.now()));

        await().atMost(WAIT).until(() -> record(user).isEmpty() && record(anonymous).isEmpty());
        // The forward's own last record: streams opened on the anonymous id, which followed the user, end with it.
        JsonNode forwardErased = Json.read(changes.await(r -> anonymous.equals(r.key()) && r.value().contains("\"erased\""),
                1, WAIT).get(0).value(), JsonNode.class);
        assertThat(forwardErased.get("version").asLong()).isEqualTo(forwardVersion + 1);
        assertThat(forwardErased.get("cause").asText()).isEqualTo("erasure");
        // The user erased its forwards: they tell it nothing back.
        try (TopicReader steps = new TopicReader(bootstrapServers, Topics.EVENTS)) {
            assertThat(steps.drain(r -> r.value().contains("\"type\":\"" + IdentityRecords.UNLINK + "\"")
                    && r.value().contains(anonymous), Duration.ofSeconds(1))).isEmpty();
        }
        // The anonymous id is a new visitor from here on.
        send(anonymousTrack(anonymous, "add_to_cart"));
        await().atMost(WAIT).until(() -> record(anonymous).map(r -> !r.isForward() && r.profile().count("add_to_cart") == 1)
                .orElse(false));
        assertThat(record(user)).isEmpty();
    }

    /** The identity steps segment-function wrote to segflow.events keyed by {@code key}, of {@code type}. */
    private List<String> stepsTo(TopicReader steps, String key, String type, int count) {
        return steps.await(r -> key.equals(r.key()) && r.value().contains("\"type\":\"" + type + "\""), count, WAIT).stream()
                .map(r -> r.value()).toList();
    }

    /** The anonymous id merged into the user with one purchase, then its forward erased on its own (DELETE of the id). */
    private void mergeThenEraseTheForward() {
        send(anonymousTrack(anonymous, "purchase"));
        send(identify(user, anonymous, Map.of()));
        awaitMerged(user, anonymous);
        await().atMost(WAIT).until(() -> record(anonymous).map(UserRecord::isForward).orElse(false));

        send(Event.erasure(anonymous, "erase-" + UUID.randomUUID(), Instant.now()));

        await().atMost(WAIT).until(() -> record(anonymous).isEmpty()
                && record(user).map(r -> r.identity().mergedIds().isEmpty()).orElse(false));
    }

    @Test
    void anIdWhoseForwardWasErasedIsMergedIntoTheUserAgainByTheNextIdentify() {
        mergeThenEraseTheForward();
        assertThat(record(user).orElseThrow().profile().count("purchase")).as("what it brought stays the user's").isEqualTo(1);

        send(anonymousTrack(anonymous, "purchase"));
        await().atMost(WAIT).until(() -> record(anonymous).map(r -> r.profile().count("purchase") == 1).orElse(false));
        send(identify(user, anonymous, Map.of()));

        await().atMost(WAIT).until(() -> record(user).map(r -> r.profile().count("purchase") == 2).orElse(false));
        UserRecord merged = awaitMerged(user, anonymous);
        assertThat(merged.identity().mergedIds()).containsExactly(anonymous);
        UserRecord forward = record(anonymous).orElseThrow();
        assertThat(forward.isForward()).isTrue();
        assertThat(forward.mergedInto()).isEqualTo(user);
        // Its events after the second merge count on the user again, once.
        send(anonymousTrack(anonymous, "purchase"));
        await().atMost(WAIT).until(() -> record(user).map(r -> r.profile().count("purchase") == 3).orElse(false));
        send(trackEvent(user, "marker", UUID.randomUUID().toString()));
        await().atMost(WAIT).until(() -> record(user).map(r -> r.profile().count("marker") == 1).orElse(false));
        assertThat(record(user).orElseThrow().profile().count("purchase")).isEqualTo(3);
    }

    @Test
    void repeatedStepsOfAnEarlierMergeAndItsUnlinkDoNotCountTwice() {
        try (TopicReader steps = new TopicReader(bootstrapServers, Topics.EVENTS)) {
            mergeThenEraseTheForward();
            String firstProfile = stepsTo(steps, user, IdentityRecords.PROFILE, 1).get(0);
            String unlink = stepsTo(steps, user, IdentityRecords.UNLINK, 1).get(0);
            assertThat(Json.read(unlink, JsonNode.class).at("/properties/from").asText()).isEqualTo(anonymous);
            send(anonymousTrack(anonymous, "purchase"));
            await().atMost(WAIT).until(() -> record(anonymous).map(r -> r.profile().count("purchase") == 1).orElse(false));

            // Republished after a crash: the unlink again; then the identify asks for the id anew, and the first merge's
            // profile and the unlink come again before the new profile (which is two hops behind).
            Event identifyAgain = identify(user, anonymous, Map.of());
            events.sendTogether(user, unlink, new String(EventRecords.write(identifyAgain), StandardCharsets.UTF_8),
                    firstProfile, unlink);

            await().atMost(WAIT).until(() -> record(user).map(r -> r.profile().count("purchase") == 2).orElse(false));
            awaitMerged(user, anonymous);
            // An SDK retry of the identify, and both merges' profiles again, after the second merge.
            send(identifyAgain);
            List<String> profiles = new ArrayList<>();
            await().atMost(WAIT).until(() -> {
                profiles.clear();
                profiles.addAll(new LinkedHashSet<>(steps.drain(r -> user.equals(r.key())
                        && r.value().contains("\"type\":\"" + IdentityRecords.PROFILE + "\""), Duration.ofMillis(300))
                        .stream().map(r -> r.value()).toList()));
                return profiles.size() == 2;
            });
            profiles.forEach(profile -> events.send(user, profile));
            send(trackEvent(user, "marker", UUID.randomUUID().toString()));
            await().atMost(WAIT).until(() -> record(user).map(r -> r.profile().count("marker") == 1).orElse(false));

            UserRecord merged = record(user).orElseThrow();
            assertThat(merged.profile().count("purchase")).isEqualTo(2);
            assertThat(merged.identity().mergedIds()).containsExactly(anonymous);
            assertThat(record(anonymous).orElseThrow().mergedInto()).isEqualTo(user);
        }
    }

    @Test
    void aProfileArrivingAfterTheUserWasErasedAndSeenAgainIsDropped() {
        // The merge of the anonymous id into the user was asked before the user was erased; its profile arrives after
        // the erasure and a new event of the user (a late SDK retry), which started a new record without the link.
        send(trackEvent(user, "signed_up", UUID.randomUUID().toString()));
        await().atMost(WAIT).until(() -> record(user).isPresent());
        send(Event.erasure(user, "erase-" + UUID.randomUUID(), Instant.now()));
        await().atMost(WAIT).until(() -> record(user).isEmpty());
        send(trackEvent(user, "page_viewed", UUID.randomUUID().toString()));
        await().atMost(WAIT).until(() -> record(user).isPresent());

        io.segflow.core.profile.Profile before = new Profile(anonymous);
        before.apply(anonymousTrack(anonymous, "add_to_cart"), ProfileNeeds.NONE,
                Scoring.NONE, System.currentTimeMillis());
        byte[] anonymousRecord = UserRecordCodec.encode(new UserRecord(anonymous,
                Memberships.NONE, UserRecord.NO_WAKE, before, new RecentMessages()));
        send(IdentityRecords.profile(anonymous, user, anonymousRecord, Instant.now()));
        // A marker event after the profile: once it counts, the profile was handled.
        send(trackEvent(user, "marker", UUID.randomUUID().toString()));
        await().atMost(WAIT).until(() -> record(user).map(r -> r.profile().count("marker") == 1).orElse(false));

        UserRecord after = record(user).orElseThrow();
        assertThat(after.profile().count("add_to_cart")).as("the profile from before the erasure").isZero();
        assertThat(after.identity().mergedIds()).isEmpty();
    }

    @Test
    void anIdWhoseRecordIsTooLargeToTravelStaysApartAndTheEngineGoesOn() {
        // About 800 KB of traits: in base64 the merge would carry over 1 MB, more than Kafka takes in one record.
        send(new Event(1, "identify", UUID.randomUUID().toString(), null, anonymous, null, null, null, null,
                Map.of("notes", "x".repeat(800_000)), null, null, null, Instant.now(), null, null, Instant.now(), "test"));
        await().atMost(WAIT).until(() -> record(anonymous).isPresent());
        send(identify(user, anonymous, Map.of()));

        String marker = "marker-" + UUID.randomUUID();
        send(trackEvent(marker, "after", UUID.randomUUID().toString()));
        await().atMost(WAIT).until(() -> record(marker).isPresent() && record(user).isPresent());
        assertThat(record(anonymous).orElseThrow().isForward()).as("the large id is not merged").isFalse();
        assertThat(record(user).orElseThrow().identity().mergedIds()).isEmpty();
        assertThat(metrics.counter("segflow.identity.merges", "step", "refused_too_large").count()).isPositive();
    }
}
