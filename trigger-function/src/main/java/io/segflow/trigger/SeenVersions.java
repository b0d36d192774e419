package io.segflow.trigger;

import io.segflow.core.membership.SegmentChange;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The highest change version per user already turned into a trigger, for one partition of
 * {@code segflow.segment-changes}: a change with a version not above it is a republication (segment-function
 * publishes at least once) and is dropped. Bounded: the users seen least recently are forgotten first.
 * Not thread-safe: one partition's records are handled by one thread at a time.
 */
final class SeenVersions {
    private final Map<String, Long> latest;

    SeenVersions(int maxUsers) {
        if (maxUsers < 1) {
            throw new IllegalArgumentException("maxUsers must be at least 1, was " + maxUsers);
        }
        // Access order: a lookup makes the user the most recently seen.
        this.latest = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > maxUsers;
            }
        };
    }

    /** Whether the change is new (and remembers it), false for one already seen. */
    boolean firstSeen(SegmentChange change) {
        if (change.isOfErasure()) {
            // An erasure ends the user's sequence of versions (its exits, then its erased record): a next profile
            // counts again from the start. Its exits always become triggers, and what came before is forgotten.
            latest.remove(change.userId());
            return true;
        }
        Long seen = latest.get(change.userId());
        if (seen != null && change.version() <= seen) {
            return false;
        }
        latest.put(change.userId(), change.version());
        return true;
    }

    int size() {
        return latest.size();
    }
}
