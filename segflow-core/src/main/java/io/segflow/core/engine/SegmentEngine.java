package io.segflow.core.engine;

import io.segflow.core.event.Event;
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
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

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
     * After an event: evaluates only the segments the event can affect; when the user was last fully evaluated
     * against another catalog revision, also what changed since (see {@link #catchingUp}). {@code nextWake} covers
     * the evaluated segments only; the caller keeps the earlier of it and the wake already scheduled.
     */
    public Outcome onEvent(SegmentIndex index, Scoring scoring, Profile profile, Memberships current, Event event, long nowMillis) {
        boolean catchUp = catalogChanged(index, current);
        String name = ProfileUpdate.eventName(event);
        boolean hasTraits = event.traits() != null && !event.traits().isEmpty();
        boolean weighted = index.needs().score() && scoring.weightOf(name) != 0;
        // A user's first event decides every segment: some hold on an empty profile (count("buy") == 0).
        List<CompiledSegment> affected = profile.totalEvents() <= 1 ? index.all()
                : catchUp ? catchingUp(index, current, index.affectedBy(name, hasTraits, weighted))
                : index.affectedBy(name, hasTraits, weighted);
        return new Outcome(evaluate(index, affected, scoring, profile, current, nowMillis),
                nextWake(affected, index, scoring, profile, current, nowMillis), recorded(index, catchUp));
    }

    /**
     * When a scheduled wake is due: evaluates the time-dependent segments; when the user was last fully evaluated
     * against another catalog revision, also what changed since (how a backfill reaches users with no event).
     * {@code nextWake} covers every time-dependent segment.
     */
    public Outcome onTime(SegmentIndex index, Scoring scoring, Profile profile, Memberships current, long nowMillis) {
        boolean catchUp = catalogChanged(index, current);
        List<CompiledSegment> segments = catchUp ? catchingUp(index, current, index.affectedByTime()) : index.affectedByTime();
        return new Outcome(evaluate(index, segments, scoring, profile, current, nowMillis),
                nextWake(index.timeDependent(), index, scoring, profile, current, nowMillis), recorded(index, catchUp));
    }

    /**
     * A catalog backfill's visit of a user behind the catalog: evaluates what changed since the revision the user was
     * last fully evaluated against, when the index knows (see {@link SegmentIndex#changedSince}); else every segment,
     * as a wake does. {@code nextWake} is the user's next wake all told: the earlier of {@code scheduledWake} (which
     * covers the segments left alone) and that of the segments evaluated; or, after a full evaluation, that of every
     * time-dependent segment.
     */
    public Outcome onCatalog(SegmentIndex index, Scoring scoring, Profile profile, Memberships current,
                             OptionalLong scheduledWake, long nowMillis) {
        List<CompiledSegment> changed = index.changedSince(current.catalogRevision());
        if (changed == null) {
            return onTime(index, scoring, profile, current, nowMillis);
        }
        OptionalLong next = nextWake(changed, index, scoring, profile, current, nowMillis);
        if (scheduledWake.isPresent() && (next.isEmpty() || scheduledWake.getAsLong() < next.getAsLong())) {
            next = scheduledWake;
        }
        return new Outcome(evaluate(index, changed, scoring, profile, current, nowMillis), next, recorded(index, true));
    }

    /**
     * The segments a user behind the catalog evaluates along with {@code affected}: what changed since the revision
     * it was last fully evaluated against, when the index knows (the catalog it replaced), else every segment. Every
     * other segment has the same condition as then, and the events and wakes since kept its answer up to date.
     */
    private static List<CompiledSegment> catchingUp(SegmentIndex index, Memberships current, List<CompiledSegment> affected) {
        List<CompiledSegment> changed = index.changedSince(current.catalogRevision());
        return changed == null ? index.all() : index.union(changed, affected);
    }

    /** Whether the user must catch up with the catalog: its last full evaluation was of another revision. */
    public static boolean catalogChanged(SegmentIndex index, Memberships current) {
        return current.catalogRevision() != index.revision();
    }

    /** A full evaluation is recorded, unless some segments were held (then the backfill after their replay does it). */
    private static OptionalLong recorded(SegmentIndex index, boolean catchUp) {
        return catchUp && !index.holds() ? OptionalLong.of(index.revision()) : OptionalLong.empty();
    }

    /** Evaluates every segment: for previews and the reference model. */
    public Set<String> matching(SegmentIndex index, Scoring scoring, ProfileView profile, Memberships current, long nowMillis) {
        Decisions decisions = decide(index, index.all(), scoring, profile, current, nowMillis);
        Set<String> matching = new HashSet<>();
        for (int i = 0; i < decisions.decided; i++) {
            if (decisions.matches[i]) {
                matching.add(decisions.segments.get(i).id());
            }
        }
        return matching;
    }

    private List<Transition> evaluate(SegmentIndex index, List<CompiledSegment> segments, Scoring scoring, ProfileView profile,
                                      Memberships current, long nowMillis) {
        Decisions decisions = decide(index, segments, scoring, profile, current, nowMillis);
        List<Transition> transitions = new ArrayList<>(2);
        for (int i = 0; i < decisions.decided; i++) {
            String id = segments.get(i).id();
            if (decisions.matches[i] != current.contains(id)) {
                transitions.add(new Transition(id, decisions.matches[i]));
            }
        }
        // Memberships of segments that were deleted or disabled end too.
        if (!current.since().isEmpty()) {
            for (String member : current.since().keySet()) {
                if (!index.contains(member)) {
                    transitions.add(Transition.removal(member));
                }
            }
        }
        return transitions;
    }

    /** Decides segments in dependency order; inSegment() reads this pass's decisions first, else the stored state. */
    private Decisions decide(SegmentIndex index, List<CompiledSegment> segments, Scoring scoring, ProfileView profile,
                             Memberships current, long nowMillis) {
        Decisions decisions = new Decisions(index, segments, current);
        ConditionEvaluator evaluator = evaluators.get().reset(new EvaluationContext(profile, nowMillis, scoring, decisions));
        for (CompiledSegment segment : segments) {
            decisions.matches[decisions.decided] = evaluator.matches(segment.condition());
            decisions.decided++;
        }
        return decisions;
    }

    /**
     * What one pass decided, aligned with its segments: an array, not a map, since a pass runs for every event. As a
     * predicate it answers inSegment(): a segment decided earlier in the pass by that decision, a segment the catalog
     * no longer has (deleted, disabled) false, any other by the stored membership.
     */
    private static final class Decisions implements Predicate<String> {
        /** A pass of up to this many segments is searched in order; a larger one looks ids up in a map built once. */
        private static final int SCAN_LIMIT = 16;

        final SegmentIndex index;
        final List<CompiledSegment> segments;
        final boolean[] matches;
        final Memberships current;
        int decided;
        private Map<String, Integer> positions;

        Decisions(SegmentIndex index, List<CompiledSegment> segments, Memberships current) {
            this.index = index;
            this.segments = segments;
            this.matches = new boolean[segments.size()];
            this.current = current;
        }

        @Override
        public boolean test(String id) {
            int position = positionOf(id);
            if (position >= 0 && position < decided) {
                return matches[position];
            }
            // The stored memberships still list a deleted or disabled segment until this pass ends them.
            return current.contains(id) && index.contains(id);
        }

        private int positionOf(String id) {
            if (segments.size() <= SCAN_LIMIT) {
                for (int i = 0; i < segments.size(); i++) {
                    if (segments.get(i).id().equals(id)) {
                        return i;
                    }
                }
                return -1;
            }
            if (positions == null) {
                positions = new HashMap<>(segments.size() * 2);
                for (int i = 0; i < segments.size(); i++) {
                    positions.put(segments.get(i).id(), i);
                }
            }
            return positions.getOrDefault(id, -1);
        }
    }

    private static OptionalLong nextWake(List<CompiledSegment> segments, SegmentIndex index, Scoring scoring, Profile profile,
                                         Memberships current, long nowMillis) {
        if (current.catalogRevision() > index.revision()) {
            // This instance has not loaded a catalog the user was already evaluated against: look again right away,
            // from the schedule, whose poller re-reads the catalog before it evaluates.
            return OptionalLong.of(nowMillis);
        }
        long next = TimeFlips.NONE;
        for (CompiledSegment segment : segments) {
            if (segment.condition().reads().timeDependent()) {
                next = Math.min(next, TimeFlips.next(segment.condition().reads(), profile, scoring, nowMillis));
            }
        }
        return next == TimeFlips.NONE ? OptionalLong.empty() : OptionalLong.of(next);
    }

    /**
     * The records to publish for transitions stored at {@code newVersion}: each change gets its own version,
     * counting up from the version before them, so that a reader can resume from any one of them. The exit of a
     * deleted or disabled segment is caused {@link SegmentChange#REMOVAL}, whatever else caught the user up.
     */
    public static List<SegmentChange> changes(String userId, List<Transition> transitions, long newVersion, Instant at, String cause) {
        return changes(userId, transitions, newVersion, at, segmentId -> cause);
    }

    /** The same, each change caused as {@code causeOfSegment} says for its segment. */
    public static List<SegmentChange> changes(String userId, List<Transition> transitions, long newVersion, Instant at,
                                              UnaryOperator<String> causeOfSegment) {
        List<SegmentChange> changes = new ArrayList<>(transitions.size());
        long version = newVersion - transitions.size();
        for (Transition transition : transitions) {
            version++;
            changes.add(new SegmentChange(userId, transition.segmentId(),
                    transition.entering() ? SegmentChange.ENTERED : SegmentChange.EXITED, at, version,
                    transition.removed() ? SegmentChange.REMOVAL : causeOfSegment.apply(transition.segmentId())));
        }
        return changes;
    }

    /**
     * The causes of the changes of a wake or a backfill visit ({@link #onTime}, {@link #onCatalog}) of a user last fully
     * evaluated against catalog revision {@code before}: time's ({@code time:<now>}) when the user was up to date with
     * the catalog; else the catalog's ({@code segments:<revision>}) for a segment that changed since, and still time's
     * for the others, which only their windows, inactivity or score decay moved. When the index does not know what
     * changed since, every segment was evaluated for the catalog, and every change is the catalog's.
     */
    public static UnaryOperator<String> timeOrCatalogCauses(SegmentIndex index, long before, Outcome outcome, Instant now) {
        String time = SegmentChange.causedByTime(now);
        if (outcome.catalogRevision().isEmpty()) {
            return segmentId -> time;
        }
        String catalog = SegmentChange.causedByCatalog(index.revision());
        return segmentId -> index.changedSince(before, segmentId) ? catalog : time;
    }
}
