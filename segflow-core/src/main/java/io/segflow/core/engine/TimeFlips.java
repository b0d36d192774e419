package io.segflow.core.engine;

import io.segflow.core.profile.Profile;
import io.segflow.core.profile.Scoring;
import io.segflow.core.rules.Reads;
import java.time.Instant;
import java.util.OptionalLong;

/**
 * The earliest instant after {@code now} at which time alone can change a condition's value: a windowed
 * aggregate losing its oldest bucket, a {@code now - lastSeen > duration(...)} deadline, a timestamp literal,
 * or the decaying score crossing a threshold it is compared with. A superset of the real flips: re-evaluating
 * at each of them never misses one.
 */
public final class TimeFlips {
    private TimeFlips() {
    }

    /** Time alone cannot change the condition. */
    static final long NONE = Long.MAX_VALUE;

    /**
     * The instant, or {@link #NONE}. Asked per time-dependent segment of every event: a plain long, and a set a
     * condition does not read is not iterated.
     */
    public static long next(Reads reads, Profile profile, Scoring scoring, long nowMillis) {
        long next = NONE;
        if (!reads.windowedCounts().isEmpty()) {
            for (Reads.WindowedCount count : reads.windowedCounts()) {
                next = earliest(next, profile.nextWindowChange(count.event(), null, count.window(), nowMillis), nowMillis);
            }
        }
        if (!reads.propertyAggregates().isEmpty()) {
            for (Reads.PropertyAggregate aggregate : reads.propertyAggregates()) {
                if (aggregate.window() != null) {
                    next = earliest(next, profile.nextWindowChange(aggregate.event(), aggregate.property(), aggregate.window(),
                            nowMillis), nowMillis);
                }
            }
        }
        if (reads.now()) {
            if (reads.overallSeen()) {
                next = aroundSeen(next, profile.firstSeen().toEpochMilli(), reads, nowMillis);
                next = aroundSeen(next, profile.lastSeen().toEpochMilli(), reads, nowMillis);
            }
            for (String event : reads.seenEvents()) {
                next = aroundSeen(next, profile.firstSeen(event).toEpochMilli(), reads, nowMillis);
                next = aroundSeen(next, profile.lastSeen(event).toEpochMilli(), reads, nowMillis);
            }
            for (Instant literal : reads.timestampLiterals()) {
                // now < timestamp(...) + duration(...) flips at the literal moved by the duration, as lastSeen's do.
                next = aroundSeen(next, literal.toEpochMilli(), reads, nowMillis);
            }
        }
        if (reads.score()) {
            for (double threshold : reads.scoreThresholds()) {
                OptionalLong crossing = profile.scoreCrossing(scoring, threshold);
                if (crossing.isPresent()) {
                    next = atOrJustAfter(next, crossing.getAsLong(), nowMillis);
                }
            }
        }
        return next;
    }

    /** A strict comparison (now - lastSeen > 7d) flips one millisecond after the deadline: look at both. */
    private static long aroundSeen(long current, long timestamp, Reads reads, long nowMillis) {
        long next = atOrJustAfter(current, timestamp, nowMillis);
        for (long duration : reads.durationMillis()) {
            next = atOrJustAfter(next, timestamp + duration, nowMillis);
            next = atOrJustAfter(next, timestamp - duration, nowMillis);
        }
        return next;
    }

    private static long atOrJustAfter(long current, long instant, long nowMillis) {
        return earliest(earliest(current, instant, nowMillis), instant + 1, nowMillis);
    }

    private static long earliest(long current, OptionalLong candidate, long nowMillis) {
        return candidate.isPresent() ? earliest(current, candidate.getAsLong(), nowMillis) : current;
    }

    private static long earliest(long current, long candidate, long nowMillis) {
        return candidate > nowMillis && candidate < current ? candidate : current;
    }
}
