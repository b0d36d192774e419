package io.segflow.bench.engine;

import io.segflow.core.engine.SegmentEngine;
import io.segflow.core.engine.SegmentIndex;
import io.segflow.core.event.Event;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import io.segflow.core.engine.ProfileUpdate;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks that the Drools rules say what the CEL conditions say: at checkpoints along the typical user's
 * history (and a few days after it, when inactivity and windows have moved), both must find the same segments.
 */
final class DroolsEquivalence {
    private static final long HOUR = 3_600_000L;
    private static final long[] LATER = {0, HOUR / 2, 2 * HOUR, 30 * HOUR, 4 * 24 * HOUR};

    private DroolsEquivalence() {
    }

    /** Throws on the first difference; returns how many (instant, segment) matches were compared. */
    static int check(int segments, SegmentIndex index, DroolsSegments drools) {
        SegmentEngine engine = new SegmentEngine((condition, user, error) -> { });
        List<Event> history = TypicalUser.history();
        int compared = 0;
        for (int count = 25; count <= history.size(); count += 25) {
            Profile profile = TypicalUser.profile(history, count, index.needs(), SegmentCatalog.SCORING);
            long last = ProfileUpdate.eventMillis(history.get(count - 1));
            for (long later : LATER) {
                long now = last + later;
                Set<String> cel = new TreeSet<>(engine.matching(index, SegmentCatalog.SCORING, profile, Memberships.NONE, now));
                Set<String> rules = new TreeSet<>(drools.evaluate(drools.fact(profile, SegmentCatalog.SCORING, now)));
                if (!cel.equals(rules)) {
                    throw new IllegalStateException("Drools and segflow differ after " + count + " events at +" + later
                            + " ms (" + segments + " segments): segflow " + cel + ", Drools " + rules);
                }
                compared += cel.size();
            }
        }
        return compared;
    }
}
