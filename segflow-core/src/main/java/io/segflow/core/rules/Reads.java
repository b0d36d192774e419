package io.segflow.core.rules;

import io.segflow.core.profile.Window;
import java.time.Instant;
import java.util.Set;

/**
 * What a condition reads, found in its syntax tree at compile time. It decides which events re-evaluate the
 * condition, which aggregates profiles must keep, and when time alone can flip it.
 */
public record Reads(
        Set<String> lifetimeCounts,
        Set<WindowedCount> windowedCounts,
        Set<PropertyAggregate> propertyAggregates,
        Set<String> seenEvents,
        Set<PropertyRef> lastValues,
        Set<String> segments,
        boolean traits,
        boolean score,
        boolean overallSeen,
        boolean now,
        Set<Long> durationMillis,
        Set<Instant> timestampLiterals,
        Set<Double> scoreThresholds) {

    public record WindowedCount(String event, Window window) {
    }

    /**
     * {@code window} is null for a lifetime aggregate; {@code function} is {@code sum}, {@code min}, {@code max} or
     * {@code avg}.
     */
    public record PropertyAggregate(String event, String property, Window window, String function) {
        public PropertyAggregate(String event, String property, Window window) {
            this(event, property, window, "sum");
        }
    }

    public record PropertyRef(String event, String property) {
    }

    /** Conditions whose value can change with time alone, without a new event. Asked per event and segment. */
    public boolean timeDependent() {
        if (now || score || !windowedCounts.isEmpty()) {
            return true;
        }
        if (propertyAggregates.isEmpty()) {
            return false; // asked for every segment of every event: no iterator over an empty set
        }
        for (PropertyAggregate aggregate : propertyAggregates) {
            if (aggregate.window() != null) {
                return true;
            }
        }
        return false;
    }

    /** The event names whose aggregates this condition reads. */
    public boolean readsEvent(String event) {
        return lifetimeCounts.contains(event) || seenEvents.contains(event)
                || windowedCounts.stream().anyMatch(read -> read.event().equals(event))
                || propertyAggregates.stream().anyMatch(read -> read.event().equals(event))
                || lastValues.stream().anyMatch(read -> read.event().equals(event));
    }
}
