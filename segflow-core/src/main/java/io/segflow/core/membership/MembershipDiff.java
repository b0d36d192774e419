package io.segflow.core.membership;

/** How a user's memberships change: one evaluation's transitions ({@link io.segflow.core.engine.SegmentEngine}). */
public final class MembershipDiff {

    /** One transition to apply: enter ({@code entering=true}) or exit a segment. */
    public record Transition(String segmentId, boolean entering) {
    }

    private MembershipDiff() {
    }
}
