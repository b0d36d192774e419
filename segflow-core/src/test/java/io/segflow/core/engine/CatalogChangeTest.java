package io.segflow.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.segflow.core.event.Event;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.Scoring;
import io.segflow.core.rules.Reads.PropertyRef;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A user last fully evaluated against the catalog a new one replaced catches up on what changed between the two
 * only: the segments created or changed, those reading the score when scoring changed, those reading a property kept
 * in a new shape, and their dependents. Each user here is stored in "stale", a segment whose condition does not hold
 * for it: a segment the catch-up evaluates would end that membership, so it staying shows the segment was left alone.
 */
class CatalogChangeTest {
    private static final long NOW = 1_795_600_000_000L;
    private static final long BEFORE = 7;
    private static final long AFTER = 8;
    private static final Map<String, String> CONDITIONS = Map.of(
            "stale", "count(\"buy\") >= 1",
            "carts", "count(\"add_to_cart\") >= 2",
            "engaged", "score > 1.5",
            "big", "sum(\"buy\", \"amount\") > 100",
            "gone", "count(\"page_view\") >= 1",
            "follows", "inSegment(\"gone\")");
    private static final Scoring SCORING = new Scoring(Duration.ofHours(1), Map.of("page_view", 1.0));

    private final SegmentIndex before = new SegmentIndex(TestSegments.compile(CONDITIONS), BEFORE);
    private final SegmentEngine engine = new SegmentEngine((condition, user, error) -> { });
    /** Two carts, a page view (score 1, so not "engaged"), no buy; stored in "stale", "gone", "follows" and "carts". */
    private final Profile user = profile("add_to_cart", "add_to_cart", "page_view");
    private final Memberships stored = memberships(BEFORE, "stale", "gone", "follows", "carts");

    @Test
    void aNewSegmentIsEvaluatedAndTheUnchangedOnesAreLeftAlone() {
        SegmentIndex after = changed(Map.of("views", "count(\"page_view\") >= 1"), Set.of(), false);

        SegmentEngine.Outcome outcome = engine.onTime(after, SCORING, user, stored, NOW);

        assertThat(outcome.transitions()).containsExactly(new Transition("views", true));
        assertThat(outcome.catalogRevision()).hasValue(AFTER);
    }

    @Test
    void aChangedConditionIsEvaluatedAgain() {
        SegmentIndex after = changed(Map.of("stale", "count(\"buy\") >= 2"), Set.of(), false);

        assertThat(engine.onTime(after, SCORING, user, stored, NOW).transitions()).containsExactly(new Transition("stale", false));
    }

    @Test
    void theDependentsOfADeletedSegmentAreEvaluatedAgain() {
        SegmentIndex after = changed(Map.of(), Set.of("gone"), false);
        Memberships upToDate = memberships(BEFORE, "gone", "follows", "carts");

        assertThat(after.changedSince(BEFORE)).extracting(segment -> segment.id()).containsExactly("follows");
        List<Transition> transitions = engine.onTime(after, SCORING, user, upToDate, NOW).transitions();
        assertThat(transitions)
                .isEqualTo(engine.onTime(inFull(after), SCORING, user, upToDate, NOW).transitions())
                .containsExactlyInAnyOrder(Transition.removal("gone"), new Transition("follows", false));

        // The deleted segment's exit says so, whatever caught the user up; its dependent's exit is the user's own.
        Map<String, String> causes = new HashMap<>();
        SegmentEngine.changes("u1", transitions, 7, Instant.ofEpochMilli(NOW), SegmentChange.causedByCatalog(8))
                .forEach(change -> causes.put(change.segmentId(), change.cause()));
        assertThat(causes).containsOnly(entry("gone", SegmentChange.REMOVAL), entry("follows", "segments:8"));
    }

    @Test
    void aWakeThatCatchesUpSaysWhichChangesTheCatalogMadeAndWhichTimeMade() {
        SegmentIndex after = changed(Map.of("views", "count(\"page_view\") >= 1"), Set.of(), false);
        // "carts" did not change: its exit in the same wake is a window's end, time's doing.
        List<Transition> transitions = List.of(new Transition("views", true), new Transition("carts", false));
        Instant now = Instant.ofEpochMilli(NOW);

        assertThat(causes(after, transitions, OptionalLong.of(AFTER), now))
                .containsOnly(entry("views", "segments:8"), entry("carts", "time:" + now));
        assertThat(causes(after, transitions, OptionalLong.empty(), now))
                .as("a user up to date with the catalog").containsOnly(entry("views", "time:" + now), entry("carts", "time:" + now));
        assertThat(causes(inFull(after), transitions, OptionalLong.of(AFTER), now))
                .as("an index that does not know what changed").containsOnly(entry("views", "segments:8"), entry("carts", "segments:8"));
    }

    private static Map<String, String> causes(SegmentIndex index, List<Transition> transitions, OptionalLong caughtUp, Instant now) {
        SegmentEngine.Outcome outcome = new SegmentEngine.Outcome(transitions, OptionalLong.empty(), caughtUp);
        Map<String, String> causes = new HashMap<>();
        SegmentEngine.changes("u1", transitions, 7, now, SegmentEngine.timeOrCatalogCauses(index, BEFORE, outcome, now))
                .forEach(change -> causes.put(change.segmentId(), change.cause()));
        return causes;
    }

    @Test
    void newScoringSettingsReevaluateTheSegmentsThatReadTheScore() {
        // A page view weighs 2 now: the user's score (2) is above engaged's 1.5. A cart has no weight, so the cart
        // event alone would not evaluate engaged.
        Scoring heavier = new Scoring(Duration.ofHours(1), Map.of("page_view", 2.0));
        Profile scored = new Profile("u");
        scored.apply(track("page_view"), before.needs(), heavier, NOW);
        scored.apply(track("add_to_cart"), before.needs(), heavier, NOW);
        Memberships none = memberships(BEFORE);

        SegmentEngine.Outcome same = engine.onEvent(changed(Map.of(), Set.of(), false), heavier, scored, none, track("add_to_cart"), NOW);
        SegmentEngine.Outcome rescored = engine.onEvent(changed(Map.of(), Set.of(), true), heavier, scored, none, track("add_to_cart"), NOW);

        assertThat(same.transitions()).isEmpty();
        assertThat(rescored.transitions()).containsExactly(new Transition("engaged", true));
    }

    @Test
    void aSegmentReadingAPropertyKeptInANewShapeIsEvaluatedAgain() {
        // "big" reads the lifetime sum of buy.amount; a new average over a day keeps buy.amount per bucket too.
        SegmentIndex after = changed(Map.of("cheap", "avg(\"buy\", \"amount\", \"1d\") < 5"), Set.of(), false);
        Memberships inBig = memberships(BEFORE, "stale", "big");

        assertThat(after.changedSince(BEFORE)).extracting(segment -> segment.id()).containsExactlyInAnyOrder("cheap", "big");
        assertThat(engine.onTime(after, SCORING, user, inBig, NOW).transitions()).containsExactly(new Transition("big", false));
    }

    @Test
    void aUserBehindThePreviousCatalogIsEvaluatedInFull() {
        SegmentIndex after = changed(Map.of("views", "count(\"page_view\") >= 1"), Set.of(), false);

        assertThat(after.changedSince(BEFORE - 1)).isNull();
        assertThat(engine.onTime(after, SCORING, user, memberships(BEFORE - 1, "stale", "gone", "follows", "carts"), NOW).transitions())
                .containsExactlyInAnyOrder(new Transition("views", true), new Transition("stale", false));
    }

    @Test
    void aUserNeverFullyEvaluatedIsEvaluatedInFull() {
        // A merged profile is marked so; so is a user stored before any catalog, which the first catalog replaces.
        SegmentIndex first = new SegmentIndex(TestSegments.compile(CONDITIONS), 1, SegmentIndex.empty(), false);
        Memberships merged = memberships(Memberships.NEVER_FULLY_EVALUATED, "stale", "gone", "follows", "carts");

        assertThat(first.changedSince(Memberships.NEVER_FULLY_EVALUATED)).isNull();
        assertThat(engine.onCatalog(first, SCORING, user, merged, OptionalLong.empty(), NOW).transitions())
                .containsExactly(new Transition("stale", false));
    }

    @Test
    void anIndexBuiltWithoutThePreviousCatalogEvaluatesInFull() {
        Map<String, String> conditions = new HashMap<>(CONDITIONS);
        conditions.put("views", "count(\"page_view\") >= 1");
        SegmentIndex after = new SegmentIndex(TestSegments.compile(conditions), AFTER);

        assertThat(engine.onTime(after, SCORING, user, stored, NOW).transitions())
                .containsExactlyInAnyOrder(new Transition("views", true), new Transition("stale", false));
    }

    @Test
    void aCatalogHoldingSegmentsForAReplayEvaluatesInFull() {
        SegmentIndex held = changed(Map.of("views", "count(\"page_view\") >= 1"), Set.of(), false)
                .holding(Set.of(new PropertyRef("buy", "amount")));

        assertThat(held.changedSince(BEFORE)).isNull();
        assertThat(engine.onTime(held, SCORING, user, stored, NOW).transitions())
                .containsExactlyInAnyOrder(new Transition("views", true), new Transition("stale", false));
    }

    @Test
    void anEventOfAUserBehindEvaluatesWhatChangedAndWhatTheEventAffects() {
        SegmentIndex after = changed(Map.of("views", "count(\"page_view\") >= 1"), Set.of(), false);
        Profile threeCarts = profile("add_to_cart", "add_to_cart", "page_view", "add_to_cart");

        SegmentEngine.Outcome outcome = engine.onEvent(after, SCORING, threeCarts, memberships(BEFORE, "stale", "gone", "follows"),
                track("add_to_cart"), NOW);

        assertThat(outcome.transitions()).containsExactlyInAnyOrder(new Transition("views", true), new Transition("carts", true));
        assertThat(outcome.catalogRevision()).hasValue(AFTER);
    }

    @Test
    void aBackfillVisitEvaluatesOnlyWhatChangedNotTheTimeDependentSegments() {
        SegmentIndex after = changed(Map.of("views", "count(\"page_view\") >= 1"), Set.of(), false);
        Memberships engaged = memberships(BEFORE, "stale", "gone", "follows", "carts", "engaged"); // the score is 1

        SegmentEngine.Outcome visit = engine.onCatalog(after, SCORING, user, engaged, OptionalLong.empty(), NOW);
        SegmentEngine.Outcome wake = engine.onTime(after, SCORING, user, engaged, NOW);

        assertThat(visit.transitions()).containsExactly(new Transition("views", true));
        assertThat(visit.catalogRevision()).hasValue(AFTER);
        assertThat(wake.transitions()).containsExactlyInAnyOrder(new Transition("views", true), new Transition("engaged", false));
    }

    @Test
    void aBackfillVisitWakesAtTheEarlierOfTheScheduledWakeAndTheChangedSegments() {
        // Half an hour after the user's last event (NOW), "recent" flips an hour after it.
        SegmentIndex after = changed(Map.of("recent", "now - lastSeen < duration(\"1h\")"), Set.of(), false);
        long visit = NOW + Duration.ofMinutes(30).toMillis();
        long inAnHour = NOW + Duration.ofHours(1).toMillis();
        long soon = NOW + Duration.ofMinutes(40).toMillis();

        assertThat(engine.onCatalog(after, SCORING, user, stored, OptionalLong.empty(), visit).nextWake()).hasValue(inAnHour);
        assertThat(engine.onCatalog(after, SCORING, user, stored, OptionalLong.of(soon), visit).nextWake()).hasValue(soon);
        assertThat(engine.onCatalog(after, SCORING, user, stored, OptionalLong.of(inAnHour + 1), visit).nextWake()).hasValue(inAnHour);
    }

    @Test
    void aBackfillVisitOfAUserTheIndexCannotCatchUpIsAWake() {
        SegmentIndex after = changed(Map.of("views", "count(\"page_view\") >= 1"), Set.of(), false);
        Memberships older = memberships(BEFORE - 1, "stale", "engaged");

        SegmentEngine.Outcome visit = engine.onCatalog(after, SCORING, user, older, OptionalLong.of(NOW + 1), NOW);

        assertThat(visit).isEqualTo(engine.onTime(after, SCORING, user, older, NOW));
        assertThat(visit.transitions()).contains(new Transition("stale", false), new Transition("engaged", false));
    }

    /** The catalog after {@link #before} with these segments added or changed and those deleted. */
    private SegmentIndex changed(Map<String, String> saved, Set<String> deleted, boolean scoringChanged) {
        Map<String, String> conditions = new HashMap<>(CONDITIONS);
        conditions.putAll(saved);
        conditions.keySet().removeAll(deleted);
        return new SegmentIndex(TestSegments.compile(conditions), AFTER, before, scoringChanged);
    }

    /** The same catalog, built without the one it replaced: it evaluates users behind it in full. */
    private static SegmentIndex inFull(SegmentIndex index) {
        return new SegmentIndex(index.all(), index.revision());
    }

    private static Memberships memberships(long catalogRevision, String... segments) {
        Map<String, Instant> since = new HashMap<>();
        for (String segment : segments) {
            since.put(segment, Instant.EPOCH);
        }
        return new Memberships(since, segments.length, catalogRevision);
    }

    private static Event track(String name) {
        Instant at = Instant.ofEpochMilli(NOW);
        return new Event(1, "track", "m-" + name, "u", null, name, null, null, null, null, Map.of(), null, null,
                at, null, null, at, "test");
    }

    private Profile profile(String... events) {
        Profile profile = new Profile("u");
        for (String name : events) {
            profile.apply(track(name), before.needs(), SCORING, NOW);
        }
        return profile;
    }
}
