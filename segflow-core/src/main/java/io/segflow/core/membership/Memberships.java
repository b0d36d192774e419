package io.segflow.core.membership;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The segments one user is in, each with the time it entered, and a version that grows with every change.
 *
 * @param catalogRevision the segment catalog revision the user was last fully evaluated against (every enabled
 *                        segment); when the catalog moved on, the next evaluation looks at every segment again
 */
public record Memberships(Map<String, Instant> since, long version, long catalogRevision) {

    /**
     * A user never fully evaluated against a catalog with a revision: the same as revision 0, the empty catalog
     * of a system where no segment was ever saved, so such users need no full evaluation until one is.
     */
    public static final long NEVER_FULLY_EVALUATED = 0;

    public static final Memberships NONE = new Memberships(Map.of(), 0);

    public Memberships {
        since = Map.copyOf(since);
    }

    public Memberships(Map<String, Instant> since, long version) {
        this(since, version, NEVER_FULLY_EVALUATED);
    }

    public boolean contains(String segmentId) {
        return since.containsKey(segmentId);
    }

    /** Sorted by segment id, so that responses and ETags are stable. */
    public Map<String, Instant> sorted() {
        return new TreeMap<>(since);
    }

    /** The segment ids in {@link #sorted()}'s order, without a map: how a record stores them. */
    public List<String> sortedIds() {
        String[] ids = since.keySet().toArray(String[]::new);
        Arrays.sort(ids);
        return Arrays.asList(ids);
    }
}
