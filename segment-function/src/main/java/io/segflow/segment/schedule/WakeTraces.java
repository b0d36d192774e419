package io.segflow.segment.schedule;

import io.opentelemetry.api.trace.SpanContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * For each user with a wake, the trace of what set it (the event, or the previous time flip), so that the time flip
 * it causes starts a trace of its own linked to that one. Kept in memory only, for the most recent users: after a
 * restart, a rebalance or an eviction, a flip starts an unlinked trace. Holds nothing while tracing is off.
 */
public final class WakeTraces {
    private final Map<String, SpanContext> byUser;

    public WakeTraces(int capacity) {
        this.byUser = new LinkedHashMap<>(1024, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, SpanContext> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The wake of {@code user} was set by what {@code scheduler} traces. */
    public void scheduled(String user, SpanContext scheduler) {
        if (scheduler.isValid()) {
            byUser.put(user, scheduler);
        }
    }

    /** The trace that set the user's due wake, forgotten here; null when unknown. */
    public SpanContext take(String user) {
        return byUser.remove(user);
    }

    public void forget(String user) {
        byUser.remove(user);
    }
}
