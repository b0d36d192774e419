package io.segflow.core.membership;

import java.time.Instant;

/**
 * A record on {@code segflow.triggers}: something downstream systems act on.
 *
 * @param id      unique and stable for one source change, so consumers can deduplicate
 * @param kind    {@code segment.entered} or {@code segment.exited}
 */
public record TriggerRecord(String id, String kind, String userId, String segmentId, Instant at, String cause) {

    public static TriggerRecord fromSegmentChange(SegmentChange change) {
        return new TriggerRecord(
                change.userId() + ":" + change.segmentId() + ":" + change.version(),
                "segment." + change.change(),
                change.userId(),
                change.segmentId(),
                change.at(),
                change.cause());
    }
}
