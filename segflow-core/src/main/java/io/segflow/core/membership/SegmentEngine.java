package io.segflow.core.membership;

import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.profile.Profile;
import io.segflow.core.rules.CompiledSegment;
import io.segflow.core.rules.ConditionEvaluator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Decides which segments a user enters and exits, given its profile and its current memberships. Pure; no I/O. */
public final class SegmentEngine {
    private final ConditionEvaluator.ErrorListener errors;

    public SegmentEngine(ConditionEvaluator.ErrorListener errors) {
        this.errors = errors;
    }

    public List<Transition> transitions(Profile profile, Memberships current, Collection<CompiledSegment> segments) {
        ConditionEvaluator evaluator = new ConditionEvaluator(profile, errors);
        List<String> evaluated = new ArrayList<>(segments.size());
        Set<String> matching = new HashSet<>();
        for (CompiledSegment segment : segments) {
            evaluated.add(segment.id());
            if (evaluator.matches(segment.condition())) {
                matching.add(segment.id());
            }
        }
        return MembershipDiff.between(current, evaluated, matching);
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
