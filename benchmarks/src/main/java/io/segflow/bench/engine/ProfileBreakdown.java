package io.segflow.bench.engine;

import io.segflow.core.engine.ProfileNeeds;
import io.segflow.core.engine.ProfileUpdate;
import io.segflow.core.engine.SegmentIndex;
import io.segflow.core.event.Event;
import io.segflow.core.profile.Granularity;
import io.segflow.core.profile.Profile;
import io.segflow.core.rules.Reads;
import io.segflow.core.rules.Reads.PropertyAggregate;
import io.segflow.core.rules.Reads.WindowedCount;
import io.segflow.core.state.CompactWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiPredicate;
import java.util.stream.Collectors;

/**
 * Where a profile's encoded bytes go: its window buckets by event name and granularity, the property values kept in
 * them, and the rest. Each figure replays the whole history with only some windows kept; the others are moved to an
 * event that never occurs, so that buckets are still kept exactly as long as with every segment (retention is per
 * granularity, over all events) and the parts add up to the full profile.
 */
final class ProfileBreakdown {
    /** No event has this name: windows moved here still set retention but keep no buckets. */
    private static final String NOWHERE = "\u0000";
    private static final BiPredicate<String, Granularity> ALL = (event, granularity) -> true;
    private static final BiPredicate<String, Granularity> NONE = (event, granularity) -> false;

    private ProfileBreakdown() {
    }

    static void print(List<Event> history, SegmentIndex index) {
        int full = size(history, index.needs());
        int base = size(history, needs(index, NONE, NONE, true));
        List<Granularity> used = Arrays.stream(Granularity.values()).filter(g -> index.needs().retentionMillis(g) > 0).toList();
        Set<String> names = history.stream().map(ProfileUpdate::eventName).collect(Collectors.toCollection(TreeSet::new));
        System.out.printf("%nprofile bytes of window buckets (bytes / buckets), by event and granularity:%n%-10s %6s %6s",
                "event", "events", "total");
        used.forEach(granularity -> System.out.printf(" %12s", granularity.name().toLowerCase()));
        System.out.println();
        int buckets = 0;
        for (String name : names) {
            StringBuilder row = new StringBuilder();
            int total = 0;
            for (Granularity granularity : used) {
                BiPredicate<String, Granularity> cell = (e, g) -> e.equals(name) && g == granularity;
                Profile profile = replay(history, needs(index, cell, cell, true));
                int bytes = encodedSize(profile) - base;
                total += bytes;
                row.append(bytes == 0 ? String.format(" %12s", "-") : String.format(" %6d / %3d", bytes, profile.bucketCount()));
            }
            buckets += total;
            long events = history.stream().filter(e -> ProfileUpdate.eventName(e).equals(name)).count();
            System.out.printf("%-10s %6d %6d%s%n", name, events, total, row);
        }
        int countsOnly = size(history, needs(index, ALL, NONE, true));
        System.out.printf("window buckets %d bytes, of which %d for property values (windowed sum/min/max/avg) and %d for"
                        + " bucket numbers and counts; the rest (lifetime counts, first/last seen, lifetime aggregates, last"
                        + " values, traits, score) %d bytes; the profile %d bytes%n",
                buckets, full - countsOnly, countsOnly - base, base, full);
        System.out.printf("if each event's buckets were kept only as long as its own windows need: %d bytes%n",
                base + ownRetention(history, index, names, base));
    }

    /** Window buckets summed over events, each replayed with only its own windows (so its own retention). */
    private static int ownRetention(List<Event> history, SegmentIndex index, Set<String> names, int base) {
        int total = 0;
        for (String name : names) {
            BiPredicate<String, Granularity> own = (e, g) -> e.equals(name);
            total += size(history, needs(index, own, own, false)) - base;
        }
        return total;
    }

    /**
     * The needs of the index with only the windowed counts and aggregates the predicates accept; the others are
     * moved to an event that never occurs when {@code keepRetention}, else dropped.
     */
    private static ProfileNeeds needs(SegmentIndex index, BiPredicate<String, Granularity> counts,
                                      BiPredicate<String, Granularity> aggregates, boolean keepRetention) {
        return ProfileNeeds.of(index.all().stream()
                .map(segment -> only(segment.condition().reads(), counts, aggregates, keepRetention)).toList());
    }

    private static Reads only(Reads reads, BiPredicate<String, Granularity> keepCount,
                              BiPredicate<String, Granularity> keepAggregate, boolean keepRetention) {
        Set<WindowedCount> counts = reads.windowedCounts().stream()
                .filter(c -> keepRetention || keepCount.test(c.event(), c.window().granularity()))
                .map(c -> keepCount.test(c.event(), c.window().granularity()) ? c : new WindowedCount(NOWHERE, c.window()))
                .collect(Collectors.toSet());
        Set<PropertyAggregate> aggregates = reads.propertyAggregates().stream()
                .filter(a -> a.window() == null || keepRetention || keepAggregate.test(a.event(), a.window().granularity()))
                .map(a -> a.window() == null || keepAggregate.test(a.event(), a.window().granularity()) ? a
                        : new PropertyAggregate(NOWHERE, a.property(), a.window()))
                .collect(Collectors.toSet());
        return new Reads(reads.lifetimeCounts(), counts, aggregates, reads.seenEvents(), reads.lastValues(), reads.segments(),
                reads.traits(), reads.score(), reads.overallSeen(), reads.now(), reads.durationMillis(),
                reads.timestampLiterals(), reads.scoreThresholds());
    }

    private static int size(List<Event> history, ProfileNeeds needs) {
        return encodedSize(replay(history, needs));
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
