package io.segflow.api.push;

import io.segflow.core.membership.SegmentChange;
import java.time.Instant;

/** What a connected client is told about one membership change (the record, without its internal cause). */
public record ChangeMessage(String userId, String segmentId, String change, Instant at, long version) {

    static ChangeMessage of(SegmentChange change) {
        return new ChangeMessage(change.userId(), change.segmentId(), change.change(), change.at(), change.version());
    }
}
