package io.segflow.core.engine;

import io.segflow.core.event.Event;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.ProfileOp;
import io.segflow.core.profile.Scoring;
import io.segflow.core.redis.RedisCodec;
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
 * Replays a {@link Scenario} through the incremental engine as the segment function drives it (profile operations
 * applied to the stored hash, scheduled wakes fired in order once due, the earliest wake kept) and compares its
 * memberships with the {@link BruteForceModel} after each step's wakes and after each event.
 * <p>
 * The protected hooks are the engine path's seams: {@code ModelHarnessTest} overrides them to inject faults and
 * prove the property catches them.
 */
class ScenarioChecker {
    static final long START = 1_795_600_000_000L;
    static final Scoring SCORING = new Scoring(Duration.ofMinutes(10), Map.of("view", 1.0, "cart", 2.0, "buy", 5.0));
    static final Map<String, String> CONDITIONS = new TreeMap<>(Map.of(
            "s1", "count(\"view\", \"90s\") >= 2",
            "s2", "count(\"cart\", \"30m\") >= 1 && count(\"view\") >= 3",
            "s3", "sum(\"buy\", \"amount\", \"2h\") > 50",
            "s4", "max(\"buy\", \"amount\") >= 40 || avg(\"buy\", \"amount\", \"1d\") < 20",
            "s5", "now - lastSeen > duration(\"5m\")",
            "s6", "score > 3.5",
            "s7", "inSegment(\"s1\") && !inSegment(\"s6\")",
            "s8", "\"plan\" in traits && traits.plan == \"pro\" && now - lastSeen(\"cart\") < duration(\"10m\")",
            "s9", "last(\"buy\", \"amount\") > 50 && count(\"buy\") >= 2"));

    private final SegmentIndex index = new SegmentIndex(TestSegments.compile(CONDITIONS));
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
        for (int i = 0; i < scenario.size(); i++) {
            Scenario.Step step = scenario.steps().get(i);
            replay.advance(step.advanceMillis());
            Optional<Mismatch> mismatch = replay.compare(i, "after the wakes due");
            if (mismatch.isEmpty() && step.event() != null) {
                // Ids derive from the step, so a shrunk scenario replays exactly as the original did.
                replay.deliver(step.event().toEvent(replay.clock, "m" + i));
                mismatch = replay.compare(i, "after its event");
            }
            if (mismatch.isPresent()) {
                return mismatch;
            }
        }
        return Optional.empty();
    }

    /** The profile operations stored for an event. */
    protected List<ProfileOp> profileOperations(Event event, ProfileNeeds needs, long nowMillis) {
        return ProfileUpdate.operations(event, needs, SCORING, nowMillis);
    }

    /** The wake to keep scheduled when an event's outcome asks for {@code requested}: the earlier one. */
    protected long keptWake(Long scheduled, long requested) {
        return scheduled == null ? requested : Math.min(scheduled, requested);
    }

    /** One user's stored state while a scenario replays. */
    private final class Replay {
        private final Map<String, String> hash = new HashMap<>();
        private final Map<String, Object> traits = new HashMap<>();
        private final Map<String, Instant> members = new HashMap<>();
        private final List<Event> history = new ArrayList<>();
        private Long wake;
        private long clock = START;

        /** Time passes: fire the scheduled wakes due by now, in order, as the scheduler does. */
        void advance(long millis) {
            clock += millis;
            while (wake != null && wake <= clock) {
                long at = wake;
                SegmentEngine.Outcome outcome = engine.onTime(index, SCORING, new Profile("u", hash, traits),
                        new Memberships(members, 0), at);
                apply(outcome.transitions(), at);
                wake = outcome.nextWake().isPresent() ? outcome.nextWake().getAsLong() : null;
            }
        }

        void deliver(Event event) {
            history.add(event);
            for (ProfileOp op : profileOperations(event, index.needs(), clock)) {
                op.applyTo(hash);
            }
            if (event.traits() != null) {
                traits.putAll(RedisCodec.profile("u", List.of(), RedisCodec.traitArguments(event.traits())).traits());
            }
            SegmentEngine.Outcome outcome = engine.onEvent(index, SCORING, new Profile("u", hash, traits),
                    new Memberships(members, 0), event, clock);
            apply(outcome.transitions(), clock);
            if (outcome.nextWake().isPresent()) {
                wake = keptWake(wake, outcome.nextWake().getAsLong());
            }
        }

        Optional<Mismatch> compare(int step, String when) {
            if (history.isEmpty()) {
                return Optional.empty(); // a profile exists from its first event on
            }
            Set<String> expected = engine.matching(index, SCORING, BruteForceModel.profile(history, SCORING),
                    Memberships.NONE, clock);
            return expected.equals(members.keySet()) ? Optional.empty()
                    : Optional.of(new Mismatch(step, clock - START, when, expected, Set.copyOf(members.keySet())));
        }

        private void apply(List<Transition> transitions, long at) {
            for (Transition transition : transitions) {
                if (transition.entering()) {
                    members.put(transition.segmentId(), Instant.ofEpochMilli(at));
                } else {
                    members.remove(transition.segmentId());
                }
            }
        }
    }
}
