package io.segflow.bench.engine;

import io.segflow.core.engine.ProfileNeeds;
import io.segflow.core.engine.ProfileUpdate;
import io.segflow.core.engine.SegmentIndex;
import io.segflow.core.event.Event;
import io.segflow.core.profile.Granularity;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.Profile.SeriesSize;
import io.segflow.core.rules.Reads;
import io.segflow.core.state.CompactWriter;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a profile's encoded bytes go: the count history (time buckets of every event name at every granularity) by
 * event and granularity, the windowed property values kept in those buckets, and the rest.
 */
final class ProfileBreakdown {

    private ProfileBreakdown() {
    }

    static void print(List<Event> history, SegmentIndex index) {
        Profile full = replay(history, index.needs());
        Profile countsOnly = replay(history, withoutWindowedAggregates(index));
        System.out.printf("%nprofile bytes of the count history (bytes / buckets), by event and granularity:%n%-10s %6s %6s",
                "event", "events", "total");
        for (Granularity granularity : Granularity.values()) {
            System.out.printf(" %12s", granularity.name().toLowerCase());
        }
        System.out.println();
        int historyBytes = 0;
        for (Map.Entry<String, Map<Granularity, SeriesSize>> event : countsOnly.seriesSizes().entrySet()) {
            StringBuilder row = new StringBuilder();
            int total = 0;
            for (Granularity granularity : Granularity.values()) {
                SeriesSize size = event.getValue().get(granularity);
                total += size == null ? 0 : size.bytes();
                row.append(size == null ? String.format(" %12s", "-") : String.format(" %6d / %3d", size.bytes(), size.buckets()));
            }
            historyBytes += total;
            long events = history.stream().filter(e -> ProfileUpdate.eventName(e).equals(event.getKey())).count();
            System.out.printf("%-10s %6d %6d%s%n", event.getKey(), events, total, row);
        }
        int fullBytes = encodedSize(full);
        int values = fullBytes - encodedSize(countsOnly);
        System.out.printf("count history %d bytes (%d buckets); windowed property values (sum/min/max/avg) %d bytes; the rest"
                        + " (lifetime counts, first/last seen, lifetime aggregates, last values, traits, score) %d bytes;"
                        + " the profile %d bytes%n",
                historyBytes, countsOnly.bucketCount(), values, fullBytes - values - historyBytes, fullBytes);
    }

    /** The index's needs with no windowed property aggregate: the profile then holds only the count history. */
    private static ProfileNeeds withoutWindowedAggregates(SegmentIndex index) {
        return ProfileNeeds.of(index.all().stream().map(segment -> {
            Reads reads = segment.condition().reads();
            return new Reads(reads.lifetimeCounts(), reads.windowedCounts(), Set.copyOf(reads.propertyAggregates().stream()
                    .filter(aggregate -> aggregate.window() == null).toList()), reads.seenEvents(), reads.lastValues(),
                    reads.segments(), reads.traits(), reads.score(), reads.overallSeen(), reads.now(), reads.durationMillis(),
                    reads.timestampLiterals(), reads.scoreThresholds());
        }).toList());
    }

    private static Profile replay(List<Event> history, ProfileNeeds needs) {
        return TypicalUser.profile(history, history.size(), needs, SegmentCatalog.SCORING);
    }

    static int encodedSize(Profile profile) {
        CompactWriter out = new CompactWriter(1024);
        profile.writeTo(out);
        return out.size();
    }
}
