package io.segflow.core.membership;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/** The segments one user is in, each with the time it entered, and a version that grows with every change. */
public record Memberships(Map<String, Instant> since, long version) {

    public static final Memberships NONE = new Memberships(Map.of(), 0);

    public Memberships {
        since = Map.copyOf(since);
    }

    public boolean contains(String segmentId) {
        return since.containsKey(segmentId);
    }

    /** Sorted by segment id, so that responses and ETags are stable. */
    public Map<String, Instant> sorted() {
        return new TreeMap<>(since);
    }
}
