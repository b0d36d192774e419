package io.segflow.core.profile;

import io.segflow.core.engine.ProfileNeeds;
import io.segflow.core.engine.ProfileUpdate;
import io.segflow.core.event.Event;
import io.segflow.core.json.Json;
import io.segflow.core.rules.Reads.PropertyRef;
import io.segflow.core.state.CompactReader;
import io.segflow.core.state.CompactWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * One user's profile, kept incrementally: {@link #apply} adds an event without re-reading history, and the
 * read methods answer segment conditions as of any instant. Per event name it keeps the lifetime count, first/last
 * times and a count history that answers any window, and what the enabled segments read ({@link ProfileNeeds}):
 * windowed and lifetime property aggregates, latest values; plus traits and the decaying engagement score.
 * Mutable: owned by one thread at a time.
 */
public final class Profile implements ProfileView {
    private final String userId;
    private final Map<String, EventHistory> events = new LinkedHashMap<>();
    /** Trait name → JSON text as sent (what is stored), and its CEL value (what conditions read). */
    private final Map<String, String> traitJson = new LinkedHashMap<>();
    private final Map<String, Object> traits = new HashMap<>();
    private long totalEvents;
    private long firstSeen;
    private long lastSeen;
    private double scoreValue;
    private long scoreAsOf;
    /** The catalog revision the property values were reconciled with (stored with the record, see forget). */
    private long aggregatesRevision;
    /** Minute of the last trim of every event's buckets (not stored: a restart trims again). */
    private long trimmedMinute = Long.MIN_VALUE;

    public Profile(String userId) {
        this.userId = userId;
    }

    /** A profile with lifetime counts and traits only (tests, previews). */
    public static Profile ofCounts(String userId, Map<String, Long> counts, Map<String, Object> traits) {
        Profile profile = new Profile(userId);
        counts.forEach((event, n) -> {
            profile.history(event).count = n;
            profile.totalEvents += n;
        });
        traits.forEach((name, value) -> {
            profile.traitJson.put(name, Json.write(value));
            profile.traits.put(name, CelValues.fromJson(value));
        });
        return profile;
    }

    /**
     * Adds one event: counts, first/last seen, the count history, traits, and the property aggregates, latest values
     * and score the enabled segments read. An event older than every window of a granularity is not counted at that
     * granularity (only where it still matters); buckets no window can count any more are dropped.
     *
     * @param nowMillis the processing time
     */
    public void apply(Event event, ProfileNeeds needs, Scoring scoring, long nowMillis) {
        String name = ProfileUpdate.eventName(event);
        long at = ProfileUpdate.eventMillis(event);
        firstSeen = totalEvents == 0 ? at : Math.min(firstSeen, at);
        lastSeen = totalEvents == 0 ? at : Math.max(lastSeen, at);
        totalEvents++;
        EventHistory history = history(name);
        history.seen(at);
        for (Granularity granularity : Granularity.ALL) {
            long bucket = granularity.bucketOf(at);
            if (granularity.inWindow(bucket, granularity.maxWindowMillis(), nowMillis)) {
                history.series.computeIfAbsent(granularity, g -> new BucketSeries()).count(bucket);
            }
        }
        applyProperties(name, at, history, event, needs, nowMillis, true);
        if (event.traits() != null) {
            event.traits().forEach(this::trait);
        }
        double weight = scoring.weightOf(name);
        if (weight != 0) {
            // Kept whether or not a segment reads it now: a score segment saved later finds it, as nothing rebuilds it.
            addScore(at, weight, scoring.halfLife().toMillis());
        }
        trim(name, history, needs, nowMillis);
    }

    /** The property aggregates and latest values {@code needs} keep of one event. */
    private static void applyProperties(String name, long at, EventHistory history, Event event, ProfileNeeds needs, long nowMillis,
                                        boolean live) {
        Map<String, Object> properties = event.properties() != null ? event.properties() : Map.of();
        for (String property : properties.isEmpty() ? Set.<String>of() : needs.propertiesOf(name)) {
            Object value = properties.get(property);
            if (value == null) {
                continue;
            }
            PropertyRef ref = new PropertyRef(name, property);
            if (needs.lastValue(ref)) {
                history.last(ref.property(), at, Json.write(value), !live);
            }
            if (!(value instanceof Number number)) {
                continue; // sum, min, max and avg read numbers only
            }
            double amount = number.doubleValue();
            if (needs.lifetimeAggregate(ref)) {
                history.addLifetime(ref.property(), Aggregate.EMPTY.plus(amount));
            }
            for (Granularity granularity : needs.seriesOf(name)) {
                if (needs.windowAggregate(ref, granularity) && stillCounts(granularity, at, needs, nowMillis)) {
                    history.series.computeIfAbsent(granularity, g -> new BucketSeries()).add(granularity.bucketOf(at), ref.property(), amount, needs.windowStats(ref));
                }
            }
        }
    }

    /**
     * Adds to the property aggregates and latest values of {@code only} (see {@link ProfileNeeds#only}) an event this
     * profile counted before they were kept: how a replay of the event log rebuilds their past. Counts, times, traits
     * and score stay as they are. An event of a name this profile holds nothing of (erased since), one from before the
     * first of its name this profile counted (an erased user's, from before the profile started again), or without a
     * value of those properties, is not added (returns false). A
     * replayed latest value does not replace a live one of the same event time (that one arrived later); between two
     * replayed events of the same time, the later in the log wins, as it did live.
     */
    public boolean replay(Event event, ProfileNeeds only, long nowMillis) {
        EventHistory history = read(ProfileUpdate.eventName(event));
        if (history == null || history.count == 0 || !carries(event, only)
                || ProfileUpdate.eventMillis(event) < history.firstSeen) {
            return false;
        }
        applyProperties(ProfileUpdate.eventName(event), ProfileUpdate.eventMillis(event), history, event, only, nowMillis, false);
        return true;
    }

    /** Whether the event has a value of a property {@code needs} keeps for its name (else a replay skips it). */
    public static boolean carries(Event event, ProfileNeeds needs) {
        Map<String, Object> properties = event.properties();
        if (properties == null || properties.isEmpty()) {
            return false;
        }
        for (String property : needs.propertiesOf(ProfileUpdate.eventName(event))) {
            if (properties.get(property) != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * Drops what this profile holds of {@code refs}: values kept under an earlier catalog, before the property was
     * needed again (they miss the events in between). Profiles are reconciled so with their partition's
     * {@link io.segflow.core.history.PartitionHistory} before their values are read or added to.
     */
    public void forget(Set<PropertyRef> refs) {
        for (PropertyRef ref : refs) {
            EventHistory history = read(ref.event());
            if (history == null) {
                continue;
            }
            history.forget(ref.property());
            history.series.values().forEach(series -> series.keepValues(property -> !property.equals(ref.property()), Long.MIN_VALUE));
        }
    }

    /** The catalog revision this profile's property values were last reconciled with (see {@link #forget}). */
    public long aggregatesRevision() {
        return aggregatesRevision;
    }

    public void aggregatesRevision(long revision) {
        this.aggregatesRevision = revision;
    }

    /**
     * Merges {@code other} (an anonymous visitor's profile, once its id is linked to this user) into this one: every
     * read afterwards answers what one profile that had applied the events of both, with the same {@code needs}, would
     * answer — counts, windows, aggregates (sums up to the rounding of adding in another order), first and last
     * times, latest values (the later event time wins; on a tie this profile's) and the score (both decayed to the
     * later of their times and added). Then drops what no window can count any more at {@code nowMillis}, as
     * {@link #apply} does. {@code other} is left as it was.
     *
     * <p>Traits are not replayed by event time: this profile's values win, and {@code other}'s only fill the names this
     * one lacks, since the identify that links the two ids carries the user's current traits.
     *
     * <p>Call it once per link: merging the same profile twice counts its events twice.
     */
    public void merge(Profile other, ProfileNeeds needs, Scoring scoring, long nowMillis) {
        if (other == this) {
            throw new IllegalArgumentException("a profile cannot be merged into itself");
        }
        if (other.totalEvents > 0) {
            firstSeen = totalEvents == 0 ? other.firstSeen : Math.min(firstSeen, other.firstSeen);
            lastSeen = totalEvents == 0 ? other.lastSeen : Math.max(lastSeen, other.lastSeen);
            totalEvents += other.totalEvents;
        }
        other.decodedHistories().forEach((name, theirs) -> history(name).merge(theirs));
        other.traitJson.forEach((name, json) -> {
            if (!traitJson.containsKey(name)) {
                traitJson.put(name, json);
                Object value = other.traits.get(name);
                if (value != null) { // a stored JSON null has no CEL value (see readFrom)
                    traits.put(name, value);
                }
            }
        });
        mergeScore(other, scoring);
        trimAll(needs, nowMillis);
    }

    /** Both scores decayed to the later of their times and added: what applying their events here would give. */
    private void mergeScore(Profile other, Scoring scoring) {
        if (other.scoreValue == 0 && other.scoreAsOf == 0) {
            return; // no weighted event (addScore's empty state)
        }
        if (scoreValue == 0 && scoreAsOf == 0) {
            scoreValue = other.scoreValue;
            scoreAsOf = other.scoreAsOf;
            return;
        }
        long asOf = Math.max(scoreAsOf, other.scoreAsOf);
        scoreValue = scoring.decay(scoreValue, scoreAsOf, asOf) + scoring.decay(other.scoreValue, other.scoreAsOf, asOf);
        scoreAsOf = asOf;
    }

    private EventHistory history(String event) {
        return events.computeIfAbsent(event, e -> new EventHistory()).decoded();
    }

    /** What this profile holds of an event name, decoded, or null when it holds nothing. */
    private EventHistory read(String event) {
        EventHistory history = events.get(event);
        return history == null ? null : history.decoded();
    }

    /** Every event name's history, decoded: for what reads them all (merges, admin views), not for each event. */
    private Map<String, EventHistory> decodedHistories() {
        events.values().forEach(EventHistory::decoded);
        return events;
    }

    /** A later value wins; a null removes the trait (conditions see it as missing). */
    private void trait(String name, Object value) {
        if (value == null) {
            traitJson.remove(name);
            traits.remove(name);
        } else {
            traitJson.put(name, Json.write(value));
            traits.put(name, CelValues.fromJson(value));
        }
    }

    /** A late event adds its weight decayed to the score's time; a newer one decays the score to its own time. */
    private void addScore(long at, double weight, long halfLifeMillis) {
        if (scoreValue == 0 && scoreAsOf == 0) {
            scoreValue = weight;
            scoreAsOf = at;
        } else if (at >= scoreAsOf) {
            scoreValue = scoreValue * Math.pow(2, -(double) (at - scoreAsOf) / halfLifeMillis) + weight;
            scoreAsOf = at;
        } else {
            scoreValue = scoreValue + weight * Math.pow(2, -(double) (scoreAsOf - at) / halfLifeMillis);
        }
    }

    /** Whether a property value at {@code at} can still count in a window some segment reads at this granularity. */
    private static boolean stillCounts(Granularity granularity, long at, ProfileNeeds needs, long nowMillis) {
        return granularity.inWindow(granularity.bucketOf(at), needs.retentionMillis(granularity), nowMillis);
    }

    /**
     * Drops buckets no window can count any more, and property values no segment reads (any more): those of the
     * event just applied every time, those of every other event at most once a minute (a bucket kept a minute
     * longer changes no result, it only takes a few bytes meanwhile).
     */
    private void trim(String event, EventHistory applied, ProfileNeeds needs, long nowMillis) {
        long minute = Math.floorDiv(nowMillis, 60_000);
        if (minute == trimmedMinute) {
            trimHistory(event, applied, needs, nowMillis);
            return;
        }
        trimAll(needs, nowMillis);
    }

    /** Trims every event's buckets now (as {@link #apply} does at most once a minute). */
    void trimAll(ProfileNeeds needs, long nowMillis) {
        trimmedMinute = Math.floorDiv(nowMillis, 60_000);
        // A history kept as stored is decoded only once one of its buckets expires: until then, its values that no
        // segment reads any more wait in its bytes (reads skip values past their window anyway).
        events.forEach((name, history) -> {
            if (history.isDecoded() || history.trimDue() <= nowMillis) {
                trimHistory(name, history.decoded(), needs, nowMillis);
            }
        });
    }

    private static void trimHistory(String event, EventHistory history, ProfileNeeds needs, long nowMillis) {
        for (Granularity granularity : Granularity.ALL) {
            BucketSeries series = history.series.get(granularity);
            if (series == null) {
                continue;
            }
            series.trimBefore(granularity.bucketOf(nowMillis - granularity.maxWindowMillis()));
            series.keepValues(property -> needs.windowAggregate(new PropertyRef(event, property), granularity),
                    granularity.bucketOf(nowMillis - needs.retentionMillis(granularity)));
            if (series.isEmpty()) {
                history.series.remove(granularity);
            }
        }
    }

    @Override
    public String userId() {
        return userId;
    }

    @Override
    public Map<String, Object> traits() {
        return Collections.unmodifiableMap(traits);
    }

    /** Traits as stored: name → JSON text. */
    public Map<String, String> traitJson() {
        return Collections.unmodifiableMap(traitJson);
    }

    @Override
    public long totalEvents() {
        return totalEvents;
    }

    /** Lifetime counts by event name, for admin views. */
    public Map<String, Long> counts() {
        Map<String, Long> counts = new TreeMap<>();
        decodedHistories().forEach((event, history) -> counts.put(event, history.count));
        return counts;
    }

    @Override
    public long count(String event) {
        EventHistory history = read(event);
        return history == null ? 0 : history.count;
    }

    @Override
    public long count(String event, Window window, long nowMillis) {
        BucketSeries series = series(event, window);
        return series == null ? 0 : series.countFrom(oldestCounted(window, nowMillis));
    }

    @Override
    public Aggregate aggregate(String event, String property) {
        EventHistory history = read(event);
        return history == null ? Aggregate.EMPTY : history.lifetime.getOrDefault(property, Aggregate.EMPTY);
    }

    @Override
    public Aggregate aggregate(String event, String property, Window window, long nowMillis) {
        BucketSeries series = series(event, window);
        return series == null ? Aggregate.EMPTY : series.aggregateFrom(property, oldestCounted(window, nowMillis));
    }

    /** Lifetime aggregates of numeric properties, keyed {@code event.property}, for admin views. */
    public Map<String, Aggregate> aggregates() {
        Map<String, Aggregate> view = new TreeMap<>();
        decodedHistories().forEach((event, history) -> history.lifetime.forEach((property, aggregate) ->
                view.put(event + "." + property, aggregate)));
        return view;
    }

    /** When each event was last seen, for admin views. */
    public Map<String, Instant> lastSeenByEvent() {
        Map<String, Instant> view = new TreeMap<>();
        decodedHistories().forEach((event, history) -> {
            if (history.lastSeen != Long.MIN_VALUE) {
                view.put(event, Instant.ofEpochMilli(history.lastSeen));
            }
        });
        return view;
    }

    private BucketSeries series(String event, Window window) {
        EventHistory history = read(event);
        return history == null ? null : history.series.get(window.granularity());
    }

    /** The first bucket still counting in the window: (b + 1) * B > now - W. */
    private static long oldestCounted(Window window, long nowMillis) {
        return Math.floorDiv(nowMillis - window.millis(), window.granularity().bucketMillis());
    }

    /** When the oldest event now in the window leaves it, or empty when the window holds none. */
    public OptionalLong nextWindowChange(String event, String property, Window window, long nowMillis) {
        BucketSeries series = series(event, window);
        if (series == null) {
            return OptionalLong.empty();
        }
        OptionalLong oldest = series.oldestFrom(property, oldestCounted(window, nowMillis));
        return oldest.isEmpty() ? OptionalLong.empty()
                : OptionalLong.of(window.granularity().expiryMillis(oldest.getAsLong(), window.millis()));
    }

    @Override
    public Instant firstSeen() {
        return Instant.ofEpochMilli(totalEvents == 0 ? 0 : firstSeen);
    }

    @Override
    public Instant lastSeen() {
        return Instant.ofEpochMilli(totalEvents == 0 ? 0 : lastSeen);
    }

    @Override
    public Instant firstSeen(String event) {
        EventHistory history = read(event);
        return Instant.ofEpochMilli(history == null || history.firstSeen == Long.MAX_VALUE ? 0 : history.firstSeen);
    }

    @Override
    public Instant lastSeen(String event) {
        EventHistory history = read(event);
        return Instant.ofEpochMilli(history == null || history.lastSeen == Long.MIN_VALUE ? 0 : history.lastSeen);
    }

    @Override
    public Optional<Object> lastValue(String event, String property) {
        EventHistory history = read(event);
        EventHistory.LastValue value = history == null ? null : history.lastValues.get(property);
        if (value == null) {
            return Optional.empty();
        }
        if (value.parsed == null) {
            value.parsed = CelValues.fromJson(Json.readValue(value.json));
        }
        return Optional.ofNullable(value.parsed);
    }

    @Override
    public double score(Scoring scoring, long nowMillis) {
        return scoreValue == 0 ? 0 : scoring.decay(scoreValue, scoreAsOf, nowMillis);
    }

    public OptionalLong scoreCrossing(Scoring scoring, double threshold) {
        return scoring.crossingMillis(scoreValue, scoreAsOf, threshold);
    }

    /** Window buckets over all event names and granularities: what dominates a profile's size. */
    public int bucketCount() {
        int buckets = 0;
        for (EventHistory history : decodedHistories().values()) {
            for (BucketSeries series : history.series.values()) {
                buckets += series.size();
            }
        }
        return buckets;
    }

    /** The size of one series of the count history: its buckets and its encoded bytes (with its property values). */
    public record SeriesSize(int buckets, int bytes) {
    }

    /** Per event name and granularity, what its series holds and takes: where a profile's bytes go (benchmarks). */
    public Map<String, Map<Granularity, SeriesSize>> seriesSizes() {
        Map<String, Map<Granularity, SeriesSize>> sizes = new TreeMap<>();
        decodedHistories().forEach((event, history) -> history.series.forEach((granularity, series) -> {
            CompactWriter out = new CompactWriter(64);
            series.writeTo(out, granularity.bucketOf(history.lastSeen));
            sizes.computeIfAbsent(event, e -> new EnumMap<>(Granularity.class))
                    .put(granularity, new SeriesSize(series.size(), out.size() + 1)); // + its granularity byte
        }));
        return sizes;
    }

    public void writeTo(CompactWriter out) {
        writeTo(out, true);
    }

    /**
     * @param historyLengths false writes the format before event histories were preceded by their length and trim
     *                       time (for readers that know no later format)
     */
    public void writeTo(CompactWriter out, boolean historyLengths) {
        out.writeVarLong(totalEvents);
        if (totalEvents > 0) {
            out.writeVarLong(firstSeen);
            out.writeVarLong(lastSeen - firstSeen);
        }
        out.writeDouble(scoreValue);
        out.writeVarLong(scoreAsOf);
        out.writeVarLong(events.size());
        events.forEach((event, history) -> {
            out.writeString(event);
            if (historyLengths) {
                writeTrimDue(out, history.trimDue());
                int section = out.startSection(); // its length first, so that a decode can keep it undecoded
                history.writeTo(out, firstSeen);
                out.endSection(section);
            } else {
                history.writeTo(out, firstSeen); // the same bytes as in a section
            }
        });
        out.writeVarLong(traitJson.size());
        traitJson.forEach((name, json) -> {
            out.writeString(name);
            out.writeString(json);
        });
    }

    /** Reads what {@link #writeTo} wrote, every event's history decoded (see {@link #readFrom(String, CompactReader, boolean, boolean, boolean, boolean)}). */
    public static Profile readFrom(String userId, CompactReader in) {
        return readFrom(userId, in, true, true, true, false);
    }

    /**
     * @param anchoredSeries false for records whose bucket series start from bucket 0 (the older encoding)
     * @param replayMarks false for records whose latest values carry no replay mark (the formats before)
     * @param historyLengths false for records whose event histories are not preceded by their length (the formats
     *                       before): those are decoded at once
     * @param lazily whether each event's history is decoded only when something first reads it (and written back as
     *               stored when nothing did): for bytes this process wrote itself, since damage in a history then
     *               shows only when it is read, not here
     */
    public static Profile readFrom(String userId, CompactReader in, boolean anchoredSeries, boolean replayMarks,
                                   boolean historyLengths, boolean lazily) {
        Profile profile = new Profile(userId);
        profile.totalEvents = in.readVarLong();
        if (profile.totalEvents > 0) {
            profile.firstSeen = in.readVarLong();
            profile.lastSeen = profile.firstSeen + in.readVarLong();
        }
        profile.scoreValue = in.readDouble();
        profile.scoreAsOf = in.readVarLong();
        for (int i = in.readCount(); i > 0; i--) {
            String event = in.readString();
            EventHistory history;
            if (!historyLengths) {
                history = EventHistory.readFrom(in, profile.firstSeen, anchoredSeries, replayMarks);
            } else {
                long trimDue = profile.readTrimDue(in);
                history = lazily ? EventHistory.undecoded(in.readSection(), profile.firstSeen, trimDue)
                        : EventHistory.readFrom(in.section(), profile.firstSeen);
            }
            profile.events.put(event, history);
        }
        for (int i = in.readCount(); i > 0; i--) {
            String name = in.readString();
            String json = in.readString();
            profile.traitJson.put(name, json);
            Object value = traitValue(name, json);
            if (value != null) {
                profile.traits.put(name, CelValues.fromJson(value));
            }
        }
        return profile;
    }

    /** In whole minutes after the first event, rounded up (a trim a minute late drops the same), 0 for none. */
    private void writeTrimDue(CompactWriter out, long due) {
        out.writeVarLong(due == Long.MAX_VALUE ? 0 : Math.max(1, Math.ceilDiv(due - firstSeen, 60_000)));
    }

    private long readTrimDue(CompactReader in) {
        long minutes = in.readVarLong();
        return minutes == 0 ? Long.MAX_VALUE : firstSeen + minutes * 60_000;
    }

    private static Object traitValue(String name, String json) {
        try {
            return Json.readValue(json);
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException("trait " + name + " is not JSON", e);
        }
    }
}
