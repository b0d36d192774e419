package io.segflow.core.trigger;

/** What makes a trigger fire: a segment change, an event (with a condition), or a number crossing a value. */
public sealed interface When permits When.SegmentChanged, When.EventSeen, When.ThresholdCrossed {

    enum Change {
        ENTERED, EXITED;

        public String wire() {
            return name().toLowerCase();
        }
    }

    enum Crossing {
        ABOVE, BELOW;

        public String wire() {
            return name().toLowerCase();
        }
    }

    /** The user entered or exited {@code segment}. */
    record SegmentChanged(String segment, Change change) implements When {
    }

    /** The user sent {@code event} and {@code condition} (CEL over {@code event} and the profile, optional) holds. */
    record EventSeen(String event, String condition) implements When {
    }

    /**
     * {@code expression} (a CEL number over the profile) went from at or below {@code value} to above it
     * ({@code ABOVE}), or from at or above to below ({@code BELOW}): once per crossing, not on every event past it.
     */
    record ThresholdCrossed(String expression, Crossing crosses, double value) implements When {
    }
}
