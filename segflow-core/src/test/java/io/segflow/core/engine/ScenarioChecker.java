package io.segflow.core.engine;

import io.segflow.core.event.Event;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.Scoring;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Replays a {@link Scenario} through the incremental engine as the segment function drives it (each event checked
 * against the recent messageIds and applied to the user's one {@link Profile}, scheduled wakes fired in order once
 * due, the earliest wake kept) and compares its memberships with the {@link BruteForceModel} after each step's
 * wakes and after each event. The user goes through {@link UserRecordCodec} after every update and the engine
 * reads the decoded copy, so the property covers the stored encoding too.
 * <p>
 * The protected hooks are the engine path's seams: {@code ModelHarnessTest} overrides them to inject faults and
 * prove the property catches them.
 */
class ScenarioChecker {
    static final long START = 1_795_600_000_000L;
    static final String USER = "u";
    static final long DEDUP_WINDOW_MILLIS = Duration.ofHours(24).toMillis();
    static final Scoring SCORING = new Scoring(Duration.ofMinutes(10), Map.of("view", 1.0, "cart", 2.0, "buy", 5.0));
    static final Map<String, String> CONDITIONS = byId(
            "s1", "count(\"view\", \"90s\") >= 2",
            "s2", "count(\"cart\", \"30m\") >= 1 && count(\"view\") >= 3",
            "s3", "sum(\"buy\", \"amount\", \"2h\") > 50",
            "s4", "max(\"buy\", \"amount\") >= 40 || avg(\"buy\", \"amount\", \"1d\") < 20",
            "s5", "now - lastSeen > duration(\"5m\")",
            "s6", "score > 3.5",
            "s7", "inSegment(\"s1\") && !inSegment(\"s6\")",
            "s8", "\"plan\" in traits && traits.plan == \"pro\" && now - lastSeen(\"cart\") < duration(\"10m\")",
            "s9", "last(\"buy\", \"amount\") > 50 && count(\"buy\") >= 2",
            "s10", "max(\"view\", \"price\", \"45m\") >= 90",
            "s11", "min(\"cart\", \"price\", \"3h\") < 5");
    /**
     * Segments saved "now", at any step, after the events: a backfill evaluates them on the profile as kept, so they
     * must answer from the count history (every granularity, event names no enabled segment reads).
     */
    static final Map<String, String> SAVED_LATER = new TreeMap<>(Map.of(
            "h1", "count(\"buy\", \"20s\") >= 1",
            "h2", "count(\"identify\", \"45m\") >= 1",
            "h3", "count(\"cart\", \"3h\") >= 2 && count(\"view\", \"10m\") == 0",
            "h4", "count(\"view\", \"1d\") >= 4",
            "h5", "count(\"buy\", \"8d\") >= 2 || count(\"identify\", \"90s\") >= 1"));

    /** id, condition, id, condition, … in a map sorted by id. */
    private static Map<String, String> byId(String... idsAndConditions) {
        Map<String, String> conditions = new TreeMap<>();
        for (int i = 0; i < idsAndConditions.length; i += 2) {
            conditions.put(idsAndConditions[i], idsAndConditions[i + 1]);
        }
        return conditions;
    }

    private final SegmentIndex index = new SegmentIndex(TestSegments.compile(CONDITIONS));
    private final SegmentIndex savedLater = new SegmentIndex(TestSegments.compile(SAVED_LATER));
    private final SegmentEngine engine = new SegmentEngine((condition, user, error) -> { });

    /** The engine's memberships differ from the model's at {@code step}, {@code offsetMillis} after the start. */
    record Mismatch(int step, long offsetMillis, String when, Set<String> expected, Set<String> actual) {
        @Override
        public String toString() {
            Set<String> missing = new TreeSet<>(expected);
            missing.removeAll(actual);
            Set<String> unexpected = new TreeSet<>(actual);
            unexpected.removeAll(expected);
            return "step %d at +%dms, %s: model %s, engine %s (missing %s, unexpected %s)".formatted(step, offsetMillis,
                    when, new TreeSet<>(expected), new TreeSet<>(actual), missing, unexpected);
        }
    }

    Optional<Mismatch> firstMismatch(Scenario scenario) {
        Replay replay = new Replay();
        for (int s = 0; s < scenario.size(); s++) {
            int i = s;
            Scenario.Step step = scenario.steps().get(i);
            replay.advance(step.advanceMillis());
            Optional<Mismatch> mismatch = replay.compare(i, "after the wakes due")
                    .or(() -> replay.compareSavedLater(i, "segments saved after the wakes due"));
            if (mismatch.isEmpty() && step.event() != null) {
                // Ids derive from the step, so a shrunk scenario replays exactly as the original did.
                replay.deliver(step.event().toEvent(replay.clock, "m" + i));
                mismatch = replay.compare(i, "after its event").or(() -> replay.compareSavedLater(i, "segments saved after its event"));
            }
            if (mismatch.isPresent()) {
                return mismatch;
            }
        }
        return Optional.empty();
    }

    /** Adds an event to the user's profile, as the segment function does before it evaluates. */
    protected void applyEvent(Profile profile, Event event, ProfileNeeds needs, long nowMillis) {
        profile.apply(event, needs, SCORING, nowMillis);
    }

    /** The wake to keep scheduled when an event's outcome asks for {@code requested}: the earlier one. */
    protected long keptWake(long scheduled, long requested) {
        return scheduled == UserRecord.NO_WAKE ? requested : Math.min(scheduled, requested);
    }

    /** One user while a scenario replays: its stored value, and every event it got for the model. */
    private final class Replay {
        private byte[] stored = UserRecordCodec.encode(UserRecord.empty(USER));
        private final List<Event> history = new ArrayList<>();
        private long clock = START;

        /** Time passes: fire the scheduled wakes due by now, in order, as the scheduler does. */
        void advance(long millis) {
            clock += millis;
            UserRecord user = load();
            while (user.scheduledWake() != UserRecord.NO_WAKE && user.scheduledWake() <= clock) {
                long at = user.scheduledWake();
                SegmentEngine.Outcome outcome = engine.onTime(index, SCORING, user.profile(), user.memberships(), at);
                long next = outcome.nextWake().orElse(UserRecord.NO_WAKE);
                if (next != UserRecord.NO_WAKE && next <= at) {
                    throw new IllegalStateException("the wake at " + at + " asked for the earlier or same wake " + next);
                }
                user.memberships(outcome.applyTo(user.memberships(), at));
                user.scheduledWake(next);
                user = roundTrip(user);
            }
        }

        void deliver(Event event) {
            history.add(event);
            UserRecord user = load();
            if (user.recent().checkAndRemember(event.messageId(), clock, DEDUP_WINDOW_MILLIS)) {
                throw new IllegalStateException("the new message " + event.messageId() + " was taken for a retry");
            }
            applyEvent(user.profile(), event, index.needs(), clock);
            user = roundTrip(user);
            SegmentEngine.Outcome outcome = engine.onEvent(index, SCORING, user.profile(), user.memberships(), event, clock);
            user.memberships(outcome.applyTo(user.memberships(), clock));
            if (outcome.nextWake().isPresent()) {
                user.scheduledWake(keptWake(user.scheduledWake(), outcome.nextWake().getAsLong()));
            }
            stored = UserRecordCodec.encode(user);
        }

        Optional<Mismatch> compare(int step, String when) {
            if (history.isEmpty()) {
                return Optional.empty(); // a profile exists from its first event on
            }
            Set<String> expected = engine.matching(index, SCORING, new BruteForceModel(USER, history), Memberships.NONE, clock);
            Set<String> actual = load().memberships().since().keySet();
            return expected.equals(actual) ? Optional.empty()
                    : Optional.of(new Mismatch(step, clock - START, when, expected, Set.copyOf(actual)));
        }

        /** A backfill of {@link #SAVED_LATER} now: a full evaluation of the stored profile. */
        Optional<Mismatch> compareSavedLater(int step, String when) {
            if (history.isEmpty()) {
                return Optional.empty();
            }
            Set<String> expected = engine.matching(savedLater, SCORING, new BruteForceModel(USER, history), Memberships.NONE, clock);
            Set<String> actual = engine.matching(savedLater, SCORING, load().profile(), Memberships.NONE, clock);
            return expected.equals(actual) ? Optional.empty()
                    : Optional.of(new Mismatch(step, clock - START, when, expected, actual));
        }

        private UserRecord load() {
            return UserRecordCodec.decode(USER, stored);
        }

        /** Stores the user and reads it back: what the engine sees next is what the encoding kept. */
        private UserRecord roundTrip(UserRecord user) {
            stored = UserRecordCodec.encode(user);
            return load();
        }
    }
}
