package io.segflow.core.membership;

/** How a user's memberships change: one evaluation's transitions ({@link io.segflow.core.engine.SegmentEngine}). */
public final class MembershipDiff {

    /**
     * One transition to apply: enter ({@code entering=true}) or exit a segment. {@code removed}: an exit because the
     * segment was deleted or disabled, not because the user stopped matching it.
     */
    public record Transition(String segmentId, boolean entering, boolean removed) {

        public Transition(String segmentId, boolean entering) {
            this(segmentId, entering, false);
        }

        /** The exit of a segment the catalog no longer has (deleted or disabled). */
        public static Transition removal(String segmentId) {
            return new Transition(segmentId, false, true);
        }
    }

    private MembershipDiff() {
    }
}
