package io.segflow.core.membership;

import java.time.Instant;

/**
 * A record on {@code segflow.segment-changes}: a user entered or exited a segment.
 *
 * @param version the user's membership version after this change
 * @param cause   what caused it: {@code event:<messageId>}, {@code time:<instant>} for time-driven flips, or
 *                {@code segments:<revision>} when a wake re-evaluated the user against a new segment catalog
 */
public record SegmentChange(String userId, String segmentId, String change, Instant at, long version, String cause) {
    public static final String ENTERED = "entered";
    public static final String EXITED = "exited";
    /** The cause of the exits an erasure publishes; the user's versions start again from 0 after it. */
    public static final String ERASURE = "erasure";

    public boolean entered() {
        return ENTERED.equals(change);
    }

    public static String causedByEvent(String messageId) {
        return "event:" + messageId;
    }

    /** A change found by re-evaluating a user, without an event, against catalog {@code revision} (a backfill). */
    public static String causedByCatalog(long revision) {
        return "segments:" + revision;
    }
}
