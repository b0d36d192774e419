package io.segflow.core.engine;

import io.segflow.core.profile.Aggregate;
import io.segflow.core.profile.Granularity;
import java.util.EnumMap;
import java.util.Map;

/**
 * What profiles keep of one event property for the enabled segments: a lifetime aggregate, the latest value, and
 * windowed aggregates (which of sum, min and max, and per granularity the longest window). A profile's values of a
 * property answer a shape only if they were kept under a shape that {@link #covers} it; otherwise the past is
 * rebuilt from the event log.
 *
 * @param stats   a mask of {@link Aggregate}'s {@code STAT_} bits
 * @param windows per granularity, the longest window read (millis)
 */
public record AggregateShape(boolean lifetime, boolean last, int stats, Map<Granularity, Long> windows) {

    public AggregateShape {
        windows = windows.isEmpty() ? Map.of() : new EnumMap<>(windows);
    }

    /** Whether values kept under this shape answer everything {@code needed} reads. */
    public boolean covers(AggregateShape needed) {
        if (needed.lifetime && !lifetime || needed.last && !last || (needed.stats & ~stats) != 0) {
            return false;
        }
        for (Map.Entry<Granularity, Long> window : needed.windows.entrySet()) {
            Long kept = windows.get(window.getKey());
            if (kept == null || kept < window.getValue()) {
                return false;
            }
        }
        return true;
    }

    /**
     * How far back the events that make up these values go: the longest window plus its bucket (a bucket leaves a
     * window up to one bucket late), or forever for lifetime values.
     */
    public long historyMillis() {
        if (lifetime || last) {
            return Long.MAX_VALUE;
        }
        long longest = 0;
        for (Map.Entry<Granularity, Long> window : windows.entrySet()) {
            longest = Math.max(longest, window.getValue() + window.getKey().bucketMillis());
        }
        return longest;
    }
}
