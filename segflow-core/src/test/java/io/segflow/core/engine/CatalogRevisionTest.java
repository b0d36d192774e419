package io.segflow.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.event.Event;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.Scoring;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * A user last fully evaluated against another catalog revision (a segment was created or changed since) is
 * evaluated against every segment, on an event and on a wake; one up to date with the catalog only against the
 * segments the event or time can affect.
 */
class CatalogRevisionTest {
    private static final long NOW = 1_795_600_000_000L;
    private static final long REVISION = 7;
    private static final Map<String, String> CONDITIONS = Map.of(
            "carts", "count(\"add_to_cart\") >= 2",
            "pro", "\"plan\" in traits && traits.plan == \"pro\"",
            "idle", "now - lastSeen > duration(\"1h\")");

    private final SegmentIndex index = new SegmentIndex(TestSegments.compile(CONDITIONS), REVISION);
    private final SegmentEngine engine = new SegmentEngine((condition, user, error) -> { });
    /** A pro user with three page views: "pro" holds, but a page view does not read traits. */
    private final Profile proUser = profile(Map.of("plan", "pro"), "page_view", "page_view", "page_view");

    @Test
    void anEventOfAUserBehindTheCatalogEvaluatesEverySegment() {
        SegmentEngine.Outcome outcome = engine.onEvent(index, Scoring.NONE, proUser, memberships(REVISION - 1),
                track("page_view"), NOW);

        assertThat(outcome.transitions()).containsExactly(new Transition("pro", true));
        assertThat(outcome.catalogRevision()).hasValue(REVISION);
        assertThat(outcome.needsStore()).isTrue();
        assertThat(outcome.nextWake()).as("idle is time-dependent").isPresent();
    }

    @Test
    void anEventOfAUserUpToDateEvaluatesOnlyTheSegmentsItAffects() {
        SegmentEngine.Outcome outcome = engine.onEvent(index, Scoring.NONE, proUser, memberships(REVISION),
                track("page_view"), NOW);

        assertThat(outcome.transitions()).isEmpty();
        assertThat(outcome.catalogRevision()).isEmpty();
        assertThat(outcome.needsStore()).isFalse();
    }

    @Test
    void aWakeOfAUserBehindTheCatalogEntersASegmentTimeCannotChange() {
        SegmentEngine.Outcome stale = engine.onTime(index, Scoring.NONE, proUser, memberships(REVISION - 1), NOW);
        SegmentEngine.Outcome current = engine.onTime(index, Scoring.NONE, proUser, memberships(REVISION), NOW);

        assertThat(stale.transitions()).containsExactly(new Transition("pro", true));
        assertThat(stale.catalogRevision()).hasValue(REVISION);
        assertThat(current.transitions()).isEmpty();
        assertThat(current.catalogRevision()).isEmpty();
        assertThat(stale.nextWake()).isEqualTo(current.nextWake()).isPresent();
    }

    @Test
    void aFullEvaluationWithNothingToChangeStillRecordsTheRevision() {
        Profile freeUser = profile(Map.of("plan", "free"), "page_view", "page_view");
        SegmentEngine.Outcome outcome = engine.onTime(index, Scoring.NONE, freeUser, memberships(REVISION - 1), NOW);

        assertThat(outcome.transitions()).isEmpty();
        assertThat(outcome.catalogRevision()).hasValue(REVISION);
        assertThat(outcome.needsStore()).isTrue();
    }

    @Test
    void aWakeOfAUserBehindTheCatalogEndsMembershipsOfDeletedSegments() {
        Memberships withDeleted = new Memberships(Map.of("pro", Instant.EPOCH, "deleted", Instant.EPOCH), 2, REVISION - 1);
        SegmentEngine.Outcome outcome = engine.onTime(index, Scoring.NONE, proUser, withDeleted, NOW);

        assertThat(outcome.transitions()).containsExactly(Transition.removal("deleted"));
    }

    @Test
    void anInstanceWhoseCatalogIsOlderThanTheUsersLooksAgainRightAway() {
        // Another instance already evaluated the user against revision 8: this one, still at 7, asks for a wake
        // now, which the poller evaluates after re-reading the catalog.
        SegmentEngine.Outcome outcome = engine.onEvent(index, Scoring.NONE, proUser, memberships(REVISION + 1),
                track("page_view"), NOW);

        assertThat(outcome.nextWake()).isEqualTo(OptionalLong.of(NOW));
        assertThat(outcome.catalogRevision()).hasValue(REVISION);
    }

    @Test
    void anIndexAndMembershipsWithoutRevisionsAreUpToDate() {
        // Revision 0 is the catalog of a system where no segment was ever saved; an absent @catalog reads as 0.
        assertThat(SegmentEngine.catalogChanged(new SegmentIndex(TestSegments.compile(CONDITIONS)), new Memberships(Map.of(), 3))).isFalse();
        assertThat(SegmentEngine.catalogChanged(index, new Memberships(Map.of(), 3))).isTrue();
    }

    private static Memberships memberships(long catalogRevision) {
        return new Memberships(Map.of(), 0, catalogRevision);
    }

    private static Event track(String name) {
        Instant at = Instant.ofEpochMilli(NOW);
        return new Event(1, "track", "m-" + name, "u", null, name, null, null, null, null, Map.of(), null, null,
                at, null, null, at, "test");
    }

    private static Event identify(Map<String, Object> traits) {
        Instant at = Instant.ofEpochMilli(NOW);
        return new Event(1, "identify", "m-identify", "u", null, null, null, null, null, traits, null, null, null,
                at, null, null, at, "test");
    }

    /** The profile after an identify with the traits, then the track events (the last one as the engine sees it). */
    private Profile profile(Map<String, Object> traits, String... events) {
        Profile profile = new Profile("u");
        profile.apply(identify(traits), index.needs(), Scoring.NONE, NOW);
        for (String name : events) {
            profile.apply(track(name), index.needs(), Scoring.NONE, NOW);
        }
        return profile;
    }
}
