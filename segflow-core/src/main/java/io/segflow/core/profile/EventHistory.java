package io.segflow.core.profile;

import io.segflow.core.state.CompactReader;
import io.segflow.core.state.CompactWriter;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a profile keeps of one event name: its lifetime count, first and last time and count history (always: time
 * buckets at every granularity, each as long as its longest window), and what enabled segments read of its
 * properties — windowed aggregates (columns of those buckets), lifetime aggregates and latest values.
 */
final class EventHistory {
    long count;
    long firstSeen = Long.MAX_VALUE;
    long lastSeen = Long.MIN_VALUE;
    /** By granularity; null only while the history is {@link #undecoded}. */
    Map<Granularity, BucketSeries> series;
    // Most event names have neither: they share the empty map until their first entry (read-only until then).
    Map<String, Aggregate> lifetime = Map.of();
    Map<String, LastValue> lastValues = Map.of();
    /**
     * The history as stored, until something reads it ({@link #decoded}): most events and passes read one or two of a
     * user's event names, and decoding every one of them would be most of what a round spends and allocates per user.
     * Null once decoded, and for a history made here.
     */
    private byte[] stored;
    /** The profile's first event time {@link #stored} is written against. */
    private long storedBase;
    /** {@link #trimDue()} of the stored history, stored beside it. */
    private long storedTrimDue;

    /**
     * A history kept as its stored bytes ({@link #writeTo}'s, against {@code base}) until it is read or
     * {@code trimDue} passes.
     */
    static EventHistory undecoded(byte[] stored, long base, long trimDue) {
        return new EventHistory(stored, base, trimDue);
    }

    EventHistory() {
        series = new EnumMap<>(Granularity.class);
    }

    private EventHistory(byte[] stored, long base, long trimDue) {
        this.stored = stored;
        this.storedBase = base;
        this.storedTrimDue = trimDue;
    }

    boolean isDecoded() {
        return stored == null;
    }

    /**
     * The earliest time a trim can drop one of its buckets (the oldest bucket of a series leaves its granularity's
     * longest window), or {@link Long#MAX_VALUE} when it holds none: a history kept undecoded is decoded to be trimmed
     * only then, not by every event of its user.
     */
    long trimDue() {
        if (stored != null) {
            return storedTrimDue;
        }
        long due = Long.MAX_VALUE;
        for (Granularity granularity : Granularity.ALL) {
            BucketSeries buckets = series.get(granularity);
            if (buckets != null && !buckets.isEmpty()) {
                due = Math.min(due, granularity.expiryMillis(buckets.oldestBucket(), granularity.maxWindowMillis()));
            }
        }
        return due;
    }

    /** This history with its fields read: every use of them goes through here. */
    EventHistory decoded() {
        if (stored != null) {
            series = new EnumMap<>(Granularity.class);
            readSection(new CompactReader(stored), storedBase);
            stored = null;
        }
        return this;
    }

    /** A history of the current format read from its section, in place (the bytes of a record read in full). */
    static EventHistory readFrom(CompactReader section, long base) {
        EventHistory history = new EventHistory();
        history.readSection(section, base);
        return history;
    }

    private void readSection(CompactReader section, long base) {
        readBody(section, base, true, true);
        if (!section.atEnd()) {
            throw new IllegalArgumentException("an event history holds less than its length says");
        }
    }

    /**
     * The value of a property on the latest event by event time; its CEL form is parsed on first read.
     * {@code replayed}: set by a replay of the event log, from an event that arrived before every live one.
     */
    static final class LastValue {
        final long millis;
        final String json;
        final boolean replayed;
        Object parsed;

        LastValue(long millis, String json, boolean replayed) {
            this.millis = millis;
            this.json = json;
            this.replayed = replayed;
        }
    }

    void seen(long at) {
        count++;
        firstSeen = Math.min(firstSeen, at);
        lastSeen = Math.max(lastSeen, at);
    }

    /** The later event by event time wins; on a tie, the later arrival. */
    void last(String property, long at, String json) {
        last(property, at, json, false);
    }

    /**
     * On a tie of event time the later arrival wins: a live event over any kept value, a replayed one only over another
     * replayed one (a replay reads the log in order, before every live event).
     */
    void last(String property, long at, String json, boolean replayed) {
        LastValue old = lastValues.get(property);
        if (old == null || old.millis < at || old.millis == at && (!replayed || old.replayed)) {
            putLast(property, new LastValue(at, json, replayed));
        }
    }

    void addLifetime(String property, Aggregate aggregate) {
        if (lifetime.isEmpty()) {
            lifetime = new LinkedHashMap<>(2);
        }
        lifetime.merge(property, aggregate, Aggregate::merge);
    }

    private void putLast(String property, LastValue value) {
        if (lastValues.isEmpty()) {
            lastValues = new LinkedHashMap<>(2);
        }
        lastValues.put(property, value);
    }

    /** Drops the lifetime aggregate and latest value of a property no segment reads any more. */
    void forget(String property) {
        if (!lifetime.isEmpty()) {
            lifetime.remove(property);
        }
        if (!lastValues.isEmpty()) {
            lastValues.remove(property);
        }
    }

    /**
     * Adds what {@code other} holds of the same event name, as if its events had been seen here too: counts, first and
     * last times, buckets and their values, lifetime aggregates; the later latest value by event time (on a tie, this
     * one's). Copies: {@code other} is left as it was.
     */
    void merge(EventHistory other) {
        other.decoded();
        count += other.count;
        firstSeen = Math.min(firstSeen, other.firstSeen);
        lastSeen = Math.max(lastSeen, other.lastSeen);
        other.series.forEach((granularity, theirs) ->
                series.computeIfAbsent(granularity, g -> new BucketSeries()).merge(theirs));
        other.lifetime.forEach(this::addLifetime);
        other.lastValues.forEach((property, theirs) -> {
            LastValue mine = lastValues.get(property);
            if (mine == null || theirs.millis > mine.millis) {
                putLast(property, new LastValue(theirs.millis, theirs.json, theirs.replayed));
            }
        });
    }

    /**
     * Times relative to {@code base} (the profile's first event) and to this event's last time: short varints. A
     * history nothing read since it was decoded is written back as it was read, unless the base moved.
     */
    void writeTo(CompactWriter out, long base) {
        if (stored != null && storedBase == base) {
            out.writeBytes(stored);
            return;
        }
        decoded();
        out.writeVarLong(count);
        out.writeSignedVarLong(firstSeen - base);
        out.writeVarLong(lastSeen - firstSeen);
        out.writeVarLong(series.size());
        for (Granularity granularity : Granularity.ALL) { // the map's order, without its entry object per series
            BucketSeries buckets = series.get(granularity);
            if (buckets != null) {
                out.writeByte(granularity.ordinal());
                buckets.writeTo(out, granularity.bucketOf(lastSeen));
            }
        }
        out.writeVarLong(lifetime.size());
        lifetime.forEach((property, aggregate) -> {
            out.writeString(property);
            writeAggregate(out, aggregate);
        });
        out.writeVarLong(lastValues.size());
        lastValues.forEach((property, value) -> {
            out.writeString(property);
            out.writeSignedVarLong((lastSeen - value.millis) * 2 + (value.replayed ? 1 : 0)); // the mark in the low bit
            out.writeString(value.json);
        });
    }

    /** @param replayMarks whether latest values carry their replay mark (records of the current format) */
    static EventHistory readFrom(CompactReader in, long base, boolean anchoredSeries, boolean replayMarks) {
        EventHistory history = new EventHistory();
        history.readBody(in, base, anchoredSeries, replayMarks);
        return history;
    }

    private void readBody(CompactReader in, long base, boolean anchoredSeries, boolean replayMarks) {
        count = in.readVarLong();
        firstSeen = base + in.readSignedVarLong();
        lastSeen = firstSeen + in.readVarLong();
        for (int i = in.readCount(); i > 0; i--) {
            Granularity granularity = granularity(in.readByte());
            series.put(granularity, BucketSeries.readFrom(in, anchoredSeries ? granularity.bucketOf(lastSeen) : 0));
        }
        for (int i = in.readCount(); i > 0; i--) {
            addLifetime(in.readString(), readAggregate(in));
        }
        for (int i = in.readCount(); i > 0; i--) {
            String property = in.readString();
            long delta = in.readSignedVarLong();
            boolean replayed = replayMarks && (delta & 1) != 0;
            putLast(property, new LastValue(lastSeen - (replayMarks ? delta >> 1 : delta), in.readString(), replayed));
        }
    }

    private static Granularity granularity(int ordinal) {
        if (ordinal >= Granularity.ALL.length) {
            throw new IllegalArgumentException("unknown granularity " + ordinal);
        }
        return Granularity.ALL[ordinal];
    }

    static void writeAggregate(CompactWriter out, Aggregate aggregate) {
        out.writeVarLong(aggregate.n());
        if (aggregate.n() == 1) {
            out.writeDouble(aggregate.sum());
        } else if (aggregate.n() > 1) {
            out.writeDouble(aggregate.sum());
            out.writeDouble(aggregate.min());
            out.writeDouble(aggregate.max());
        }
    }

    static Aggregate readAggregate(CompactReader in) {
        long n = in.readVarLong();
        if (n == 0) {
            return Aggregate.EMPTY;
        }
        if (n == 1) {
            double value = in.readDouble();
            return new Aggregate(1, value, value, value);
        }
        return new Aggregate(n, in.readDouble(), in.readDouble(), in.readDouble());
    }
}
