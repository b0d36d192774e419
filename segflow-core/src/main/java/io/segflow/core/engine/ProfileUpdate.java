package io.segflow.core.engine;

import io.segflow.core.event.Event;
import io.segflow.core.json.Json;
import io.segflow.core.profile.Granularity;
import io.segflow.core.profile.ProfileFields;
import io.segflow.core.profile.ProfileOp;
import io.segflow.core.profile.Scoring;
import io.segflow.core.rules.Reads.PropertyRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Turns one event into the profile operations the enabled segments need; pure, so tests replay it freely. */
public final class ProfileUpdate {
    private ProfileUpdate() {
    }

    /** The name an event is counted under: a track call's event name, else its call type. */
    public static String eventName(Event event) {
        return event.isTrack() ? event.event() : event.type();
    }

    public static long eventMillis(Event event) {
        return (event.timestamp() != null ? event.timestamp() : event.receivedAt()).toEpochMilli();
    }

    /**
     * @param nowMillis the processing time: buckets older than every window are not written, and trimmed
     */
    public static List<ProfileOp> operations(Event event, ProfileNeeds needs, Scoring scoring, long nowMillis) {
        String name = eventName(event);
        long at = eventMillis(event);
        Map<String, Object> properties = event.properties() != null ? event.properties() : Map.of();
        List<ProfileOp> ops = new ArrayList<>();
        ops.add(new ProfileOp.Increment(ProfileFields.count(name)));
        ops.add(new ProfileOp.KeepExtreme(ProfileFields.FIRST_SEEN, at, false));
        ops.add(new ProfileOp.KeepExtreme(ProfileFields.LAST_SEEN, at, true));
        if (needs.seenEvents.contains(name)) {
            ops.add(new ProfileOp.KeepExtreme(ProfileFields.firstSeen(name), at, false));
            ops.add(new ProfileOp.KeepExtreme(ProfileFields.lastSeen(name), at, true));
        }
        for (Granularity granularity : needs.windowCounts.getOrDefault(name, Set.of())) {
            if (stillCounts(granularity, at, needs, nowMillis)) {
                ops.add(new ProfileOp.Increment(ProfileFields.windowCount(granularity, name, granularity.bucketOf(at))));
            }
        }
        for (Map.Entry<String, Object> property : properties.entrySet()) {
            PropertyRef ref = new PropertyRef(name, property.getKey());
            if (needs.lastValues.contains(ref) && property.getValue() != null) {
                ops.add(new ProfileOp.LastValue(ProfileFields.lastValue(name, ref.property()), at, Json.write(property.getValue())));
            }
            if (!(property.getValue() instanceof Number number)) {
                continue; // sum, min, max and avg read numbers only
            }
            double value = number.doubleValue();
            if (needs.lifetimeAggregates.contains(ref)) {
                ops.add(new ProfileOp.AddValue(ProfileFields.aggregate(name, ref.property()), value));
            }
            for (Granularity granularity : needs.windowAggregates.getOrDefault(ref, Set.of())) {
                if (stillCounts(granularity, at, needs, nowMillis)) {
                    ops.add(new ProfileOp.AddValue(
                            ProfileFields.windowAggregate(granularity, name, ref.property(), granularity.bucketOf(at)), value));
                }
            }
        }
        double weight = scoring.weightOf(name);
        if (needs.score && weight != 0) {
            ops.add(new ProfileOp.AddScore(ProfileFields.SCORE, at, weight, scoring.halfLife().toMillis()));
        }
        ops.addAll(trims(needs, nowMillis));
        return ops;
    }

    /** An event older than the longest window of a granularity is counted only where it still matters. */
    private static boolean stillCounts(Granularity granularity, long at, ProfileNeeds needs, long nowMillis) {
        long retention = needs.retentionMillis.getOrDefault(granularity, 0L);
        return granularity.inWindow(granularity.bucketOf(at), retention, nowMillis);
    }

    /** Drop buckets no window can count any more (of every granularity: a deleted segment's buckets go too). */
    static List<ProfileOp> trims(ProfileNeeds needs, long nowMillis) {
        java.util.LinkedHashMap<String, Long> prefixes = new java.util.LinkedHashMap<>();
        for (Granularity granularity : Granularity.values()) {
            long retention = needs.retentionMillis.getOrDefault(granularity, 0L);
            long keepFrom = granularity.bucketOf(nowMillis - retention);
            prefixes.put(ProfileFields.bucketPrefix("w", granularity), keepFrom);
            prefixes.put(ProfileFields.bucketPrefix("x", granularity), keepFrom);
        }
        return List.of(new ProfileOp.TrimBuckets(Math.floorDiv(nowMillis, TRIM_PERIOD_MILLIS), prefixes));
    }

    /** Trims run at most once a minute per user: buckets may outlive their windows by up to a minute. */
    private static final long TRIM_PERIOD_MILLIS = 60_000;
}
