package io.segflow.core.membership;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;

/**
 * A record on {@code segflow.segment-changes}: a user entered or exited a segment; or, with no segment, the id was
 * merged into another user, whose changes it continues with (change {@code merged}), or erased (change {@code erased}).
 *
 * @param version the user's membership version after this change
 * @param cause   what caused it: {@code event:<messageId>}, {@code time:<instant>} for time-driven flips,
 *                {@code segments:<revision>} when a wake re-evaluated the user against a new segment catalog,
 *                {@code merged:<id>} on a user when the profile of an id merged into it moved it,
 *                {@code merged-into:<user>} on the records of an id merged into that user (its exits and its
 *                {@value #MERGED} record), {@value #ERASURE}, or {@value #REMOVAL} for the exit of a segment that was
 *                deleted or disabled
 */
public record SegmentChange(String userId, String segmentId, String change, Instant at, long version, String cause) {
    public static final String ENTERED = "entered";
    public static final String EXITED = "exited";
    /**
     * The cause of the records an erasure publishes: an exit per membership, then the {@link #ERASED} record. The
     * user's versions start again from 1 after it.
     */
    public static final String ERASURE = "erasure";
    /**
     * The cause of an exit because the segment itself was deleted or disabled (the user did not stop matching it):
     * segment triggers on exits do not fire for it.
     */
    public static final String REMOVAL = "segment-removed";
    /**
     * The change of the last record of an erased id (a user, or a forward of an id merged into one): no segment, cause
     * {@link #ERASURE}. Published for every erasure, with or without memberships: consumers that keep anything of the
     * user by version (the versions seen, an open stream) drop it here, since the next profile counts from 1 again.
     */
    public static final String ERASED = "erased";
    /**
     * The change of the last record of an id merged into another: no segment; its cause {@code merged-into:<userId>}
     * names the user it now is (its memberships exited just before, with the same cause).
     */
    public static final String MERGED = "merged";
    private static final String MERGE_CAUSE = "merged:";
    private static final String MERGED_INTO_CAUSE = "merged-into:";

    public boolean entered() {
        return ENTERED.equals(change);
    }

    /** Whether this record says the id was merged into another (no segment). */
    @JsonIgnore
    public boolean isMerge() {
        return MERGED.equals(change);
    }

    /** Whether this record is the last of an erased id (no segment). */
    @JsonIgnore
    public boolean isErased() {
        return ERASED.equals(change);
    }

    /** Whether this is the last record of an id, with no segment: {@link #MERGED} or {@link #ERASED}. */
    @JsonIgnore
    public boolean isLastOfId() {
        return isMerge() || isErased();
    }

    /** Whether this is the exit of a segment that was deleted or disabled. */
    @JsonIgnore
    public boolean isOfRemoval() {
        return REMOVAL.equals(cause);
    }

    /** Whether this record is of an erasure: one of its exits, or its {@link #ERASED} record. */
    @JsonIgnore
    public boolean isOfErasure() {
        return ERASURE.equals(cause);
    }

    /**
     * Whether this record is of an id merged into another user: one of its exits, or its {@link #MERGED} record. Its
     * exits fire no exit trigger: the id did not leave the segment, it became the user. The user's own changes that
     * the merge caused ({@code merged:<id>}) are not of it.
     */
    @JsonIgnore
    public boolean isOfMergedId() {
        return isMerge() || cause != null && cause.startsWith(MERGED_INTO_CAUSE);
    }

    /** The last record of {@code userId}, merged into {@code into}. */
    public static SegmentChange merged(String userId, String into, Instant at, long version) {
        return new SegmentChange(userId, null, MERGED, at, version, causedByMergeInto(into));
    }

    /** The last record of {@code userId}, erased: after its exits, with the version after theirs. */
    public static SegmentChange erased(String userId, Instant at, long version) {
        return new SegmentChange(userId, null, ERASED, at, version, ERASURE);
    }

    /** Whether {@code cause} is an identity merge's, on either side: the user's or the merged id's. */
    public static boolean isMergeCause(String cause) {
        return cause != null && (cause.startsWith(MERGE_CAUSE) || cause.startsWith(MERGED_INTO_CAUSE));
    }

    /** The cause of a user's changes when it takes in the profile of {@code mergedId}, an id merged into it. */
    public static String causedByMerge(String mergedId) {
        return MERGE_CAUSE + mergedId;
    }

    /**
     * The id a user's change was caused by taking in ({@code merged:<id>}, {@link #causedByMerge}), or null for any
     * other cause.
     */
    public static String mergedIdOf(String cause) {
        return cause != null && cause.startsWith(MERGE_CAUSE) ? cause.substring(MERGE_CAUSE.length()) : null;
    }

    /** The cause of the records of an id merged into {@code userId}: its exits and its {@link #MERGED} record. */
    public static String causedByMergeInto(String userId) {
        return MERGED_INTO_CAUSE + userId;
    }

    public static String causedByEvent(String messageId) {
        return "event:" + messageId;
    }

    /** A change that time alone made at {@code now}: a window ended, the user went quiet, the score decayed. */
    public static String causedByTime(java.time.Instant now) {
        return "time:" + now;
    }

    /** A change found by re-evaluating a user, without an event, against catalog {@code revision} (a backfill). */
    public static String causedByCatalog(long revision) {
        return "segments:" + revision;
    }
}
