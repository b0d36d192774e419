package io.segflow.trigger;

import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import java.time.Instant;

/** Segment changes as they appear on {@code segflow.segment-changes}, for tests. */
final class Changes {
    private static final Instant AT = Instant.parse("2026-11-26T10:00:00Z");

    private Changes() {
    }

    /** The change that gave {@code user} membership version {@code version}: entered on odd versions, exited on even. */
    static SegmentChange change(String user, String segment, long version) {
        return new SegmentChange(user, segment, version % 2 == 1 ? SegmentChange.ENTERED : SegmentChange.EXITED,
                AT.plusSeconds(version), version, SegmentChange.causedByEvent("m" + version));
    }

    static SegmentChange erasureExit(String user, String segment, long version) {
        return new SegmentChange(user, segment, SegmentChange.EXITED, AT.plusSeconds(version), version, SegmentChange.ERASURE);
    }

    static String json(SegmentChange change) {
        return Json.write(change);
    }

    static SegmentChange erased(String user, long version) {
        return SegmentChange.erased(user, AT.plusSeconds(version), version);
    }
}
