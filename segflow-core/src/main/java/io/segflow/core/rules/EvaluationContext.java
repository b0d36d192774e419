package io.segflow.core.rules;

import io.segflow.core.profile.ProfileView;
import io.segflow.core.profile.Scoring;
import java.util.function.Predicate;

/**
 * What one evaluation reads: a profile, the instant it is evaluated at, the scoring, and the memberships that
 * {@code inSegment(...)} answers from (those decided earlier in the same pass, else the stored ones).
 */
public record EvaluationContext(ProfileView profile, long nowMillis, Scoring scoring, Predicate<String> memberships) {

    public double score() {
        return profile.score(scoring, nowMillis);
    }

    public boolean inSegment(String segmentId) {
        return memberships.test(segmentId);
    }
}
