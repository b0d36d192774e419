package io.segflow.core.engine;

import io.segflow.core.profile.Granularity;
import io.segflow.core.rules.Reads;
import io.segflow.core.rules.Reads.PropertyAggregate;
import io.segflow.core.rules.Reads.PropertyRef;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The aggregates that the enabled segments read, beyond what profiles always keep (lifetime counts, first/last
 * times, the count history of every event name, traits). Profiles keep only these, so a profile's memory is bounded
 * by what segments need, not by traffic.
 */
public final class ProfileNeeds {
    final Set<PropertyRef> lifetimeAggregates = new HashSet<>();
    final Map<PropertyRef, Set<Granularity>> windowAggregates = new HashMap<>();
    /** Per windowed property, which of sum, min and max its segments read ({@link io.segflow.core.profile.Aggregate} masks). */
    final Map<PropertyRef, Integer> windowStats = new HashMap<>();
    final Set<String> seenEvents = new HashSet<>();
    final Set<PropertyRef> lastValues = new HashSet<>();
    /** Per event name, the properties anything above reads: an event's other properties are never looked at. */
    final Map<String, Set<String>> propertiesByEvent = new HashMap<>();
    /** Per event name, the granularities at which windowed aggregates of its properties are kept. */
    final Map<String, Set<Granularity>> seriesByEvent = new HashMap<>();
    /**
     * Per granularity (by ordinal), the longest window of a property aggregate that uses it: older values are
     * dropped. An array, not a map: every property value of every event asks.
     */
    final long[] retentionMillis = new long[Granularity.values().length];
    /** Per windowed property and granularity, the longest window its segments read. */
    final Map<PropertyRef, Map<Granularity, Long>> windowMillis = new HashMap<>();
    boolean score;

    public static final ProfileNeeds NONE = of(java.util.List.of());

    public static ProfileNeeds of(Collection<Reads> reads) {
        ProfileNeeds needs = new ProfileNeeds();
        for (Reads read : reads) {
            for (PropertyAggregate aggregate : read.propertyAggregates()) {
                PropertyRef ref = new PropertyRef(aggregate.event(), aggregate.property());
                if (aggregate.window() == null) {
                    needs.lifetimeAggregates.add(ref);
                } else {
                    needs.windowAggregates.computeIfAbsent(ref, r -> new HashSet<>()).add(aggregate.window().granularity());
                    needs.windowStats.merge(ref, io.segflow.core.profile.Aggregate.statsOf(aggregate.function()), (a, b) -> a | b);
                    needs.seriesByEvent.computeIfAbsent(aggregate.event(), e -> new HashSet<>()).add(aggregate.window().granularity());
                    needs.retain(aggregate.window().granularity(), aggregate.window().millis());
                    needs.windowMillis.computeIfAbsent(ref, r -> new EnumMap<>(Granularity.class))
                            .merge(aggregate.window().granularity(), aggregate.window().millis(), Math::max);
                }
            }
            needs.seenEvents.addAll(read.seenEvents());
            needs.lastValues.addAll(read.lastValues());
            read.lastValues().forEach(ref -> needs.readsProperty(ref.event(), ref.property()));
            read.propertyAggregates().forEach(aggregate -> needs.readsProperty(aggregate.event(), aggregate.property()));
            needs.score |= read.score();
        }
        return needs;
    }

    private void retain(Granularity granularity, long windowMillis) {
        retentionMillis[granularity.ordinal()] = Math.max(retentionMillis[granularity.ordinal()], windowMillis);
    }

    public boolean score() {
        return score;
    }

    /** The granularities at which windowed aggregates of some property of {@code event} are kept. */
    public Set<Granularity> seriesOf(String event) {
        return seriesByEvent.getOrDefault(event, Set.of());
    }

    /** Whether windowed aggregates of this property are kept at {@code granularity}. */
    public boolean windowAggregate(PropertyRef ref, Granularity granularity) {
        Set<Granularity> kept = windowAggregates.get(ref);
        return kept != null && kept.contains(granularity);
    }

    /** Which of sum, min and max windowed segments read of this property (a mask of Aggregate's STAT_ bits). */
    public int windowStats(PropertyRef ref) {
        return windowStats.getOrDefault(ref, 0);
    }

    public boolean lifetimeAggregate(PropertyRef ref) {
        return lifetimeAggregates.contains(ref);
    }

    /** The properties of {@code event} that some segment reads (aggregates or latest value). */
    public Set<String> propertiesOf(String event) {
        return propertiesByEvent.getOrDefault(event, Set.of());
    }

    private void readsProperty(String event, String property) {
        propertiesByEvent.computeIfAbsent(event, e -> new HashSet<>()).add(property);
    }

    /**
     * What is kept of each property some segment reads (see {@link AggregateShape}): a profile holds the events of a
     * property's aggregates only since its shape was first needed as it is.
     */
    public Map<PropertyRef, AggregateShape> shapes() {
        Map<PropertyRef, AggregateShape> shapes = new HashMap<>();
        propertiesByEvent.forEach((event, properties) -> properties.forEach(property -> {
            PropertyRef ref = new PropertyRef(event, property);
            shapes.put(ref, new AggregateShape(lifetimeAggregates.contains(ref), lastValues.contains(ref),
                    windowStats(ref), windowMillis.getOrDefault(ref, Map.of())));
        }));
        return shapes;
    }

    /**
     * Only what these needs keep of {@code refs}: what a replay of past events applies for properties whose
     * aggregates were not kept before. Keeps the retention of every granularity, so that a replayed value is kept
     * exactly as long as a live one.
     */
    public ProfileNeeds only(Set<PropertyRef> refs) {
        ProfileNeeds only = new ProfileNeeds();
        System.arraycopy(retentionMillis, 0, only.retentionMillis, 0, retentionMillis.length);
        for (PropertyRef ref : refs) {
            if (lifetimeAggregates.contains(ref)) {
                only.lifetimeAggregates.add(ref);
            }
            if (lastValues.contains(ref)) {
                only.lastValues.add(ref);
            }
            Set<Granularity> granularities = windowAggregates.get(ref);
            if (granularities != null) {
                only.windowAggregates.put(ref, granularities);
                only.windowStats.put(ref, windowStats(ref));
                only.windowMillis.put(ref, windowMillis.get(ref));
                only.seriesByEvent.computeIfAbsent(ref.event(), e -> new HashSet<>()).addAll(granularities);
            }
            if (propertiesOf(ref.event()).contains(ref.property())) {
                only.readsProperty(ref.event(), ref.property());
            }
        }
        return only;
    }

    public boolean lastValue(PropertyRef ref) {
        return lastValues.contains(ref);
    }

    /** The longest window of {@code granularity} any segment reads a property aggregate over; 0 when none does. */
    public long retentionMillis(Granularity granularity) {
        return retentionMillis[granularity.ordinal()];
    }
}
