package io.segflow.bench.engine;

import io.segflow.core.engine.SegmentEngine;
import io.segflow.core.engine.SegmentIndex;
import io.segflow.core.event.Event;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import io.segflow.core.rules.CompiledSegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One user evaluated against a set of segments: the typical user's profile (kept for what these segments
 * need), its current memberships (steady state: the event changes none of them) and the last two events.
 */
final class EngineFixture {
    final SegmentIndex index;
    /** Conditions that failed for this user (min/max/avg of no values, a missing last value): false, and counted. */
    private final AtomicLong errors = new AtomicLong();
    final SegmentEngine engine = new SegmentEngine((condition, user, error) -> errors.incrementAndGet());
    final Profile profile;
    final Memberships memberships;
    final Event view;
    final Event cart;
    final long now = TypicalUser.NOW.toEpochMilli();

    EngineFixture(List<CompiledSegment> segments) {
        this.index = new SegmentIndex(segments);
        List<Event> history = TypicalUser.history();
        this.profile = TypicalUser.profile(history, history.size(), index.needs(), SegmentCatalog.SCORING);
        this.view = history.get(history.size() - 1);
        this.cart = history.get(history.size() - 2);
        Map<String, Instant> since = new HashMap<>();
        engine.matching(index, SegmentCatalog.SCORING, profile, Memberships.NONE, now)
                .forEach(id -> since.put(id, TypicalUser.NOW));
        this.memberships = new Memberships(since, since.size());
    }

    List<CompiledSegment> touchedBy(Event event) {
        boolean weighted = SegmentCatalog.SCORING.weightOf(event.event()) != 0;
        return index.affectedBy(event.event(), false, weighted);
    }

    String describe(String label) {
        long before = errors.get();
        engine.matching(index, SegmentCatalog.SCORING, profile, memberships, now);
        return String.format("%n[%s] %d segments, user in %d, profile %d window buckets; view_0 touches %d, cart_0 touches %d;"
                        + " %d conditions fail (count as false) in a full evaluation%n",
                label, index.all().size(), memberships.since().size(), profile.bucketCount(),
                touchedBy(view).size(), touchedBy(cart).size(), errors.get() - before);
    }
}
