package io.segflow.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.Topics;
import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import io.segflow.core.state.PendingRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IdentityRecordsTest {
    private static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");

    private static Event roundTrip(Event event) throws Exception {
        return EventRecords.readForProfile(EventRecords.write(event));
    }

    @Test
    void aMergeRequestIsKeyedByTheAnonymousIdAndNamesTheUser() throws Exception {
        Event request = roundTrip(IdentityRecords.mergeRequest("anon-1", "user-1", AT));

        assertThat(request.profileKey()).isEqualTo("anon-1");
        assertThat(IdentityRecords.mergeTarget(request)).isEqualTo("user-1");
        assertThat(IdentityRecords.isStep(request)).isTrue();
        assertThat(request.messageId()).isEqualTo(IdentityRecords.mergeRequest("anon-1", "user-1", AT.plusSeconds(5)).messageId());
    }

    @Test
    void aMergedProfileCarriesTheRecordBytesToTheUser() throws Exception {
        byte[] record = {3, 0, 1, -2, 127};
        Event profile = roundTrip(IdentityRecords.profile("anon-1", "user-1", record, AT));

        assertThat(profile.profileKey()).isEqualTo("user-1");
        assertThat(IdentityRecords.isProfile(profile)).isTrue();
        assertThat(IdentityRecords.profileFrom(profile)).isEqualTo("anon-1");
        assertThat(IdentityRecords.profileRecord(profile)).containsExactly(record);
        assertThat(IdentityRecords.mergeTarget(profile)).isNull();
    }

    @Test
    void aLaterMergeOfTheSameIdIsNotTakenForARepeatOfTheFirst() throws Exception {
        byte[] record = {3, 0};
        Event first = roundTrip(IdentityRecords.profile("anon-1", "user-1", record, AT));

        assertThat(first.messageId()).isEqualTo(IdentityRecords.profile("anon-1", "user-1", record, AT).messageId());
        assertThat(first.messageId()).isNotEqualTo(IdentityRecords.profile("anon-1", "user-1", record, AT.plusMillis(1)).messageId());
    }

    @Test
    void anUnlinkIsKeyedByTheUserNamesTheErasedIdAndIsAStep() throws Exception {
        Event unlink = roundTrip(IdentityRecords.unlink("anon-1", "user-1", AT));

        assertThat(unlink.profileKey()).isEqualTo("user-1");
        assertThat(IdentityRecords.isUnlink(unlink)).isTrue();
        assertThat(IdentityRecords.unlinkedId(unlink)).isEqualTo("anon-1");
        // Other consumers of segflow.events (trigger-function, the history replay) skip steps: an unlink counts nowhere.
        assertThat(IdentityRecords.isStep(unlink)).isTrue();
        assertThat(unlink.event()).isNull();
        assertThat(IdentityRecords.mergeTarget(unlink)).isNull();
        assertThat(IdentityRecords.isProfile(unlink)).isFalse();
        assertThat(unlink.isErasure()).isFalse();
        assertThat(IdentityRecords.isUnlink(roundTrip(IdentityRecords.profile("anon-1", "user-1", new byte[] {3}, AT)))).isFalse();
    }

    @Test
    void anErasureOfALinkedIdNamesTheErasedUser() throws Exception {
        Event erase = roundTrip(IdentityRecords.eraseMerged("anon-1", "user-1", AT));

        assertThat(erase.isErasure()).isTrue();
        assertThat(erase.profileKey()).isEqualTo("anon-1");
        assertThat(IdentityRecords.erasureOfForwardTo(erase)).isEqualTo("user-1");
        assertThat(IdentityRecords.erasureOfForwardTo(Event.erasure("user-1", "e", AT))).isNull();
    }

    @Test
    void onlyIdentifyAndAliasOfAUserLinkAnotherId() {
        assertThat(IdentityRecords.linkedId(event("identify", "u", "a", null))).isEqualTo("a");
        assertThat(IdentityRecords.linkedId(event("alias", "u", null, "old"))).isEqualTo("old");
        assertThat(IdentityRecords.linkedId(event("identify", "u", "u", null))).isNull();
        assertThat(IdentityRecords.linkedId(event("identify", null, "a", null))).isNull();
        assertThat(IdentityRecords.linkedId(event("track", "u", "a", null))).isNull();
        assertThat(IdentityRecords.linkedId(event("alias", "u", "a", null))).isNull();
    }

    @Test
    void aForwardedEventBecomesTheUsersAndKeepsEverythingElse() throws Exception {
        Event anonymous = new Event(1, "track", "m-1", null, "anon \"1\"", "add_to_cart", null, null, null, null,
                Map.of("sku", "A"), Map.of("ip", "10.0.0.1"), null, AT, null, null, AT, "web");
        byte[] original = EventRecords.write(anonymous);

        byte[] forwarded = IdentityRecords.forwarded(original, roundTrip(anonymous), "user-1", "anon \"1\"");

        assertThat(new String(forwarded, StandardCharsets.UTF_8)).startsWith("{\"userId\":\"user-1\",\"forwardedFrom\":\"anon \\\"1\\\"\",");
        Event read = EventRecords.read(forwarded);
        assertThat(read).isEqualTo(new Event(1, "track", "m-1", "user-1", "anon \"1\"", "add_to_cart", null, null, null, null,
                Map.of("sku", "A"), Map.of("ip", "10.0.0.1"), null, AT, null, null, AT, "web"));
        assertThat(EventRecords.readForProfile(forwarded).profileKey()).isEqualTo("user-1");
    }

    @Test
    void aForwardedEventWithAUserIdOfItsOwnTakesTheUsers() throws Exception {
        Event known = new Event(1, "track", "m-2", "old-user", null, "view", null, null, null, null, null, null, null,
                AT, null, null, AT, "web");

        byte[] forwarded = IdentityRecords.forwarded(EventRecords.write(known), known, "user-1", "old-user");

        Event read = EventRecords.read(forwarded);
        assertThat(read.userId()).isEqualTo("user-1");
        assertThat(read.messageId()).isEqualTo("m-2");
        assertThat(new String(forwarded, StandardCharsets.UTF_8)).startsWith("{\"forwardedFrom\":\"old-user\",");
    }

    @Test
    void pendingRecordsKeepTopicKeyAndValue() {
        PendingRecord change = PendingRecord.change("u1", "{\"userId\":\"u1\"}");
        PendingRecord step = PendingRecord.event("a:b\n{c}", "{\"type\":\"merge\"}");

        assertThat(PendingRecord.decode(change.encode(), json -> "u1")).isEqualTo(change);
        assertThat(PendingRecord.decode(step.encode(), json -> { throw new AssertionError("not a change"); })).isEqualTo(step);
        assertThat(PendingRecord.decode(step.encode(), json -> null).topic()).isEqualTo(Topics.EVENTS);
    }

    private static Event event(String type, String userId, String anonymousId, String previousId) {
        return new Event(1, type, "m", userId, anonymousId, null, null, null, previousId, null, null, null, null, AT,
                null, null, AT, "test");
    }
}
