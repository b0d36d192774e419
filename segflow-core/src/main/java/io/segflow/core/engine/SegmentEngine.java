package io.segflow.core.engine;

import io.segflow.core.event.Event;
import io.segflow.core.membership.MembershipDiff;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.membership.Memberships;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.ProfileView;
import io.segflow.core.profile.Scoring;
import io.segflow.core.rules.CompiledSegment;
import io.segflow.core.rules.ConditionEvaluator;
import io.segflow.core.rules.EvaluationContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Decides which segments a user enters and exits after an event or when time has passed, and when time can
 * next flip one of its segments. Pure: no I/O, so the property tests replay it against a brute-force model.
 */
public final class SegmentEngine {

    /**
     * The transitions to store and publish, and when to look at this user again without an event.
     *
     * @param catalogRevision present when every segment was evaluated because the user had not been evaluated
     *                        against this catalog revision: store it with the transitions, also when there are none
     */
    public record Outcome(List<Transition> transitions, OptionalLong nextWake, OptionalLong catalogRevision) {

        /** Whether the user's memberships must be written: transitions, or a catalog revision to record. */
        public boolean needsStore() {
            return !transitions.isEmpty() || catalogRevision.isPresent();
        }

        /**
         * The memberships after this outcome: entries at {@code atMillis}, exits removed, the version one higher per
         * transition, and the catalog revision recorded if every segment was evaluated.
         */
        public Memberships applyTo(Memberships current, long atMillis) {
            if (!needsStore()) {
                return current;
            }
            Map<String, Instant> since = new HashMap<>(current.since());
            Instant at = Instant.ofEpochMilli(atMillis);
            for (Transition transition : transitions) {
                if (transition.entering()) {
                    since.put(transition.segmentId(), at);
                } else {
                    since.remove(transition.segmentId());
                }
            }
            return new Memberships(since, current.version() + transitions.size(), catalogRevision.orElse(current.catalogRevision()));
        }
    }

    private final ConditionEvaluator.ErrorListener errors;
    /** One evaluator per thread: its function bindings are built once, not per user. */
    private final ThreadLocal<ConditionEvaluator> evaluators;

    public SegmentEngine(ConditionEvaluator.ErrorListener errors) {
        this.errors = errors;
        this.evaluators = ThreadLocal.withInitial(() -> new ConditionEvaluator(
                new EvaluationContext(new Profile(""), 0, Scoring.NONE, id -> false), errors));
    }

    /**
     * After an event: evaluates only the segments the event can affect, or every segment when the user was last
     * fully evaluated against another catalog revision (a segment was created or changed since). {@code nextWake}
     * covers the evaluated segments only; the caller keeps the earlier of it and the wake already scheduled.
     */
    public Outcome onEvent(SegmentIndex index, Scoring scoring, Profile profile, Memberships current, Event event, long nowMillis) {
        boolean catchUp = catalogChanged(index, current);
        String name = ProfileUpdate.eventName(event);
        boolean hasTraits = event.traits() != null && !event.traits().isEmpty();
        boolean weighted = index.needs().score() && scoring.weightOf(name) != 0;
        // A user's first event decides every segment: some hold on an empty profile (count("buy") == 0).
        List<CompiledSegment> affected = catchUp || profile.totalEvents() <= 1
                ? index.all() : index.affectedBy(name, hasTraits, weighted);
        return new Outcome(evaluate(index, affected, scoring, profile, current, nowMillis),
                nextWake(affected, index, scoring, profile, current, nowMillis), recorded(index, catchUp));
    }

    /**
     * When a scheduled wake is due: evaluates the time-dependent segments, or every segment when the user was
     * last fully evaluated against another catalog revision (how a backfill reaches users with no event).
     * {@code nextWake} covers every time-dependent segment.
     */
    public Outcome onTime(SegmentIndex index, Scoring scoring, Profile profile, Memberships current, long nowMillis) {
        boolean catchUp = catalogChanged(index, current);
        List<CompiledSegment> segments = catchUp ? index.all() : index.affectedByTime();
        return new Outcome(evaluate(index, segments, scoring, profile, current, nowMillis),
                nextWake(index.timeDependent(), index, scoring, profile, current, nowMillis), recorded(index, catchUp));
    }

    /** Whether the user must be evaluated against every segment: its last full evaluation was of another catalog. */
    public static boolean catalogChanged(SegmentIndex index, Memberships current) {
        return current.catalogRevision() != index.revision();
    }

    /** A full evaluation is recorded, unless some segments were held (then the backfill after their replay does it). */
    private static OptionalLong recorded(SegmentIndex index, boolean catchUp) {
        return catchUp && !index.holds() ? OptionalLong.of(index.revision()) : OptionalLong.empty();
    }

    /** Evaluates every segment: for previews and the reference model. */
    public Set<String> matching(SegmentIndex index, Scoring scoring, ProfileView profile, Memberships current, long nowMillis) {
        Map<String, Boolean> decided = decide(index.all(), scoring, profile, current, nowMillis);
        Set<String> matching = new HashSet<>();
        decided.forEach((id, matches) -> {
            if (matches) {
                matching.add(id);
            }
        });
        return matching;
    }

    private List<Transition> evaluate(SegmentIndex index, List<CompiledSegment> segments, Scoring scoring, ProfileView profile,
                                      Memberships current, long nowMillis) {
        Map<String, Boolean> decided = decide(segments, scoring, profile, current, nowMillis);
        Set<String> matching = new HashSet<>();
        decided.forEach((id, matches) -> {
            if (matches) {
                matching.add(id);
            }
        });
        List<String> evaluated = new ArrayList<>(decided.keySet());
        // Memberships of segments that were deleted or disabled end too.
        for (String member : current.since().keySet()) {
            if (!index.contains(member)) {
                evaluated.add(member);
            }
        }
        return MembershipDiff.between(current, evaluated, matching);
    }

    /** Decides segments in dependency order; inSegment() reads this pass's decisions first, else the stored state. */
    private Map<String, Boolean> decide(List<CompiledSegment> segments, Scoring scoring, ProfileView profile,
                                        Memberships current, long nowMillis) {
        Map<String, Boolean> decided = new HashMap<>();
        EvaluationContext context = new EvaluationContext(profile, nowMillis, scoring,
                id -> decided.containsKey(id) ? decided.get(id) : current.contains(id));
        ConditionEvaluator evaluator = evaluators.get().reset(context);
        for (CompiledSegment segment : segments) {
            decided.put(segment.id(), evaluator.matches(segment.condition()));
        }
        return decided;
    }

    private static OptionalLong nextWake(List<CompiledSegment> segments, SegmentIndex index, Scoring scoring, Profile profile,
                                         Memberships current, long nowMillis) {
        if (current.catalogRevision() > index.revision()) {
            // This instance has not loaded a catalog the user was already evaluated against: look again right away,
            // from the schedule, whose poller re-reads the catalog before it evaluates.
            return OptionalLong.of(nowMillis);
        }
        long next = Long.MAX_VALUE;
        for (CompiledSegment segment : segments) {
            if (segment.condition().reads().timeDependent()) {
                OptionalLong flip = TimeFlips.next(segment.condition().reads(), profile, scoring, nowMillis);
                if (flip.isPresent()) {
                    next = Math.min(next, flip.getAsLong());
                }
            }
        }
        return next == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(next);
    }

    /**
     * The records to publish for transitions stored at {@code newVersion}: each change gets its own version,
     * counting up from the version before them, so that a reader can resume from any one of them.
     */
    public static List<SegmentChange> changes(String userId, List<Transition> transitions, long newVersion, Instant at, String cause) {
        List<SegmentChange> changes = new ArrayList<>(transitions.size());
        long version = newVersion - transitions.size();
        for (Transition transition : transitions) {
            version++;
            changes.add(new SegmentChange(userId, transition.segmentId(),
                    transition.entering() ? SegmentChange.ENTERED : SegmentChange.EXITED, at, version, cause));
        }
        return changes;
    }
}
