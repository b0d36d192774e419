package io.segflow.core.profile;

import java.util.Map;

/**
 * What segment conditions read about one user: lifetime counts per event name and traits.
 * Trait values are CEL-ready (integers as {@code Long}, decimals as {@code Double}), see {@link CelValues}.
 */
public record Profile(String userId, Map<String, Long> counts, Map<String, Object> traits) {

    public Profile {
        counts = Map.copyOf(counts);
        traits = Map.copyOf(traits);
    }

    public long count(String eventName) {
        return counts.getOrDefault(eventName, 0L);
    }
}
