package io.segflow.bench.engine;

import io.segflow.core.engine.ProfileUpdate;
import io.segflow.core.engine.SegmentEngine;
import io.segflow.core.engine.SegmentIndex;
import io.segflow.core.event.Event;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.membership.Memberships;
import io.segflow.core.state.UserRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The typical user's stored record, built the way segment-function's UserProcessor builds it: each event of the
 * history, at its own time, is remembered for dedup, applied to the profile and evaluated; transitions update the
 * memberships (version + n, since = that time) and the wake; then a wake at {@link TypicalUser#NOW} settles what
 * time alone changed since the last event.
 */
final class TypicalRecord {
    /** segment-function's default {@code segflow.engine.dedup-window}. */
    static final long DEDUP_WINDOW_MILLIS = Duration.ofHours(24).toMillis();

    private TypicalRecord() {
    }

    static UserRecord replay(List<Event> history, SegmentIndex index) {
        SegmentEngine engine = new SegmentEngine((condition, user, error) -> { });
        UserRecord record = UserRecord.empty(TypicalUser.USER_ID);
        for (Event event : history) {
            long at = ProfileUpdate.eventMillis(event);
            if (record.recent().checkAndRemember(event.messageId(), at, DEDUP_WINDOW_MILLIS)) {
                throw new IllegalStateException("the history repeats messageId " + event.messageId());
            }
            record.profile().apply(event, index.needs(), SegmentCatalog.SCORING, at);
            SegmentEngine.Outcome outcome = engine.onEvent(index, SegmentCatalog.SCORING, record.profile(),
                    record.memberships(), event, at);
            store(record, outcome, at);
            OptionalLong next = outcome.nextWake();
            if (next.isPresent() && (record.scheduledWake() == UserRecord.NO_WAKE || next.getAsLong() < record.scheduledWake())) {
                record.scheduledWake(next.getAsLong());
            }
        }
        long now = TypicalUser.NOW.toEpochMilli();
        SegmentEngine.Outcome settled = engine.onTime(index, SegmentCatalog.SCORING, record.profile(), record.memberships(), now);
        store(record, settled, now);
        record.scheduledWake(settled.nextWake().orElse(UserRecord.NO_WAKE));
        return record;
    }

    private static void store(UserRecord record, SegmentEngine.Outcome outcome, long at) {
        record.memberships(outcome.applyTo(record.memberships(), at));
    }
}
