package io.segflow.core.profile;

import io.segflow.core.state.CompactReader;
import io.segflow.core.state.CompactWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.DoubleBinaryOperator;
import java.util.function.Predicate;

/**
 * The time buckets of one event name at one {@link Granularity}: how many events fell in each bucket and, for the
 * numeric properties that windowed conditions read, their count, sum, min and max. Only buckets with events exist,
 * kept in primitive arrays sorted by bucket: events mostly arrive in time order, so adding is an append.
 */
final class BucketSeries {
    private static final int INITIAL_CAPACITY = 4;

    private long[] buckets;
    private long[] counts;
    private int size;
    /** Most series have no column: they share the empty list until their first (a decoded user has a dozen series). */
    private List<PropertyColumn> columns = List.of();

    BucketSeries() {
        this(INITIAL_CAPACITY);
    }

    private BucketSeries(int capacity) {
        buckets = new long[capacity];
        counts = new long[capacity];
    }

    /**
     * One property's aggregates, aligned with the buckets. {@code stats} says which of sum, min and max segments
     * read: only those are stored (a part no segment read is NaN once decoded, and counts as missing).
     */
    private static final class PropertyColumn {
        final String property;
        int stats;
        long[] n;
        double[] sum;
        double[] min;
        double[] max;

        PropertyColumn(String property, int capacity) {
            this.property = property;
            this.n = new long[capacity];
            this.sum = new double[capacity];
            this.min = new double[capacity];
            this.max = new double[capacity];
        }

        void plus(int slot, double value) {
            if (n[slot] == 0) {
                sum[slot] = value;
                min[slot] = value;
                max[slot] = value;
            } else {
                sum[slot] = Double.isNaN(sum[slot]) ? value : sum[slot] + value;
                min[slot] = Double.isNaN(min[slot]) ? value : Math.min(min[slot], value);
                max[slot] = Double.isNaN(max[slot]) ? value : Math.max(max[slot], value);
            }
            n[slot]++;
        }

        /**
         * Of a column read only for its max (or only its min), keeps only the buckets no later bucket equals or beats:
         * every window holding such a bucket holds the later one, so it can be neither the answer nor change it by
         * leaving. The buckets kept thus beat each other from the newest to the oldest, so a new value only has to
         * be compared with its nearest kept neighbours.
         */
        void dropBeaten(int slot, int size) {
            boolean maxOnly = stats == Aggregate.STAT_MAX;
            if (!maxOnly && stats != Aggregate.STAT_MIN) {
                return;
            }
            double value = maxOnly ? max[slot] : min[slot];
            for (int later = slot + 1; later < size; later++) {
                if (n[later] > 0) {
                    if (maxOnly ? max[later] >= value : min[later] <= value) {
                        n[slot] = 0;
                        return;
                    }
                    break;
                }
            }
            for (int earlier = slot - 1; earlier >= 0; earlier--) {
                if (n[earlier] == 0) {
                    continue;
                }
                if (maxOnly ? max[earlier] > value : min[earlier] < value) {
                    return;
                }
                n[earlier] = 0;
            }
        }

        /** Adds the values {@code other} holds in its bucket {@code from} to this column's bucket {@code slot}. */
        void merge(int slot, PropertyColumn other, int from) {
            if (n[slot] == 0) {
                sum[slot] = other.sum[from];
                min[slot] = other.min[from];
                max[slot] = other.max[from];
            } else {
                // NaN is a part not stored (no segment read it): missing, as in plus
                sum[slot] = combine(sum[slot], other.sum[from], Double::sum);
                min[slot] = combine(min[slot], other.min[from], Math::min);
                max[slot] = combine(max[slot], other.max[from], Math::max);
            }
            n[slot] += other.n[from];
        }

        private static double combine(double a, double b, DoubleBinaryOperator op) {
            return Double.isNaN(a) ? b : Double.isNaN(b) ? a : op.applyAsDouble(a, b);
        }

        /**
         * {@link #dropBeaten} over the whole column, from the newest bucket to the oldest, after a merge: the buckets
         * kept by the two sides need not beat each other. Each side kept, with its true value, every bucket no later
         * one of its own beats; so a bucket no later bucket of either side beats holds its true value, and any other
         * is beaten by one that does: what stays is what one series of all the events would keep.
         */
        void dropAllBeaten(int size) {
            boolean maxOnly = stats == Aggregate.STAT_MAX;
            if (!maxOnly && stats != Aggregate.STAT_MIN) {
                return;
            }
            boolean any = false;
            double best = 0;
            for (int i = size - 1; i >= 0; i--) {
                if (n[i] == 0) {
                    continue;
                }
                double value = maxOnly ? max[i] : min[i];
                if (any && (maxOnly ? best >= value : best <= value)) {
                    n[i] = 0;
                } else {
                    any = true;
                    best = value;
                }
            }
        }

        void resize(int capacity) {
            n = Arrays.copyOf(n, capacity);
            sum = Arrays.copyOf(sum, capacity);
            min = Arrays.copyOf(min, capacity);
            max = Arrays.copyOf(max, capacity);
        }

        void open(int slot, int size) {
            System.arraycopy(n, slot, n, slot + 1, size - slot);
            System.arraycopy(sum, slot, sum, slot + 1, size - slot);
            System.arraycopy(min, slot, min, slot + 1, size - slot);
            System.arraycopy(max, slot, max, slot + 1, size - slot);
            n[slot] = 0;
        }

        void dropFirst(int k, int size) {
            System.arraycopy(n, k, n, 0, size - k);
            System.arraycopy(sum, k, sum, 0, size - k);
            System.arraycopy(min, k, min, 0, size - k);
            System.arraycopy(max, k, max, 0, size - k);
        }
    }

    /** Counts one event in {@code bucket}. */
    void count(long bucket) {
        int slot = slot(bucket); // first: it may grow the arrays, and counts[slot(bucket)]++ would write the old one
        counts[slot]++;
    }

    /** {@link #add(long, String, double, int)} keeping sum, min and max. */
    void add(long bucket, String property, double value) {
        add(bucket, property, value, Aggregate.STAT_SUM | Aggregate.STAT_MIN | Aggregate.STAT_MAX);
    }

    /**
     * Adds a property value of an event already {@linkplain #count counted} in {@code bucket}; {@code stats}: the
     * parts (Aggregate.STAT_*) segments read of it.
     */
    void add(long bucket, String property, double value, int stats) {
        int slot = slot(bucket);
        PropertyColumn column = column(property);
        column.stats |= stats;
        column.plus(slot, value);
        column.dropBeaten(slot, size);
    }

    /**
     * Adds everything {@code other} holds: its bucket counts and its property values (a copy: {@code other} is left
     * as it was). Answers afterwards are those of one series that counted the events of both.
     */
    void merge(BucketSeries other) {
        for (PropertyColumn theirs : other.columns) {
            column(theirs.property).stats |= theirs.stats;
        }
        for (int i = 0; i < other.size; i++) {
            int slot = slot(other.buckets[i]); // first: it may insert a bucket and shift every column
            counts[slot] += other.counts[i];
            for (PropertyColumn theirs : other.columns) {
                if (theirs.n[i] > 0) {
                    find(theirs.property).merge(slot, theirs, i);
                }
            }
        }
        for (PropertyColumn column : columns) {
            column.dropAllBeaten(size);
        }
    }

    /** Events in the buckets from {@code fromBucket} on. */
    long countFrom(long fromBucket) {
        long total = 0;
        for (int i = firstAtOrAfter(fromBucket); i < size; i++) {
            total += counts[i];
        }
        return total;
    }

    /** As merging {@link Aggregate}s of the buckets in order, in primitives: windowed conditions read it per event. */
    Aggregate aggregateFrom(String property, long fromBucket) {
        PropertyColumn column = find(property);
        if (column == null) {
            return Aggregate.EMPTY;
        }
        long n = 0;
        double sum = 0;
        double min = Double.NaN;
        double max = Double.NaN;
        for (int i = firstAtOrAfter(fromBucket); i < size; i++) {
            if (column.n[i] == 0) {
                continue;
            }
            if (n == 0) {
                sum = column.sum[i];
                min = column.min[i];
                max = column.max[i];
            } else {
                sum += column.sum[i];
                min = Math.min(min, column.min[i]);
                max = Math.max(max, column.max[i]);
            }
            n += column.n[i];
        }
        return n == 0 ? Aggregate.EMPTY : new Aggregate(n, sum, min, max);
    }

    /** The oldest bucket from {@code fromBucket} on that holds events (with a value of {@code property}, if given). */
    OptionalLong oldestFrom(String property, long fromBucket) {
        PropertyColumn column = property == null ? null : find(property);
        if (property != null && column == null) {
            return OptionalLong.empty();
        }
        for (int i = firstAtOrAfter(fromBucket); i < size; i++) {
            if (column == null || column.n[i] > 0) {
                return OptionalLong.of(buckets[i]);
            }
        }
        return OptionalLong.empty();
    }

    /** Drops the buckets before {@code keepFrom}: no window can count them any more. */
    void trimBefore(long keepFrom) {
        if (size == 0 || buckets[0] >= keepFrom) {
            return;
        }
        int k = firstAtOrAfter(keepFrom);
        System.arraycopy(buckets, k, buckets, 0, size - k);
        System.arraycopy(counts, k, counts, 0, size - k);
        for (PropertyColumn column : columns) {
            column.dropFirst(k, size);
        }
        size -= k;
    }

    /**
     * Drops the property columns {@code needed} rejects, and the values of the others in buckets before
     * {@code valuesFrom} (no window of theirs counts them; the bucket's event count stays for the history).
     */
    void keepValues(Predicate<String> needed, long valuesFrom) {
        if (columns.isEmpty()) {
            return;
        }
        int end = firstAtOrAfter(valuesFrom);
        columns.removeIf(column -> {
            if (!needed.test(column.property)) {
                return true;
            }
            Arrays.fill(column.n, 0, Math.min(end, size), 0);
            for (int i = end; i < size; i++) {
                if (column.n[i] > 0) {
                    return false;
                }
            }
            return true;
        });
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The oldest bucket held; only for a series that is not {@link #isEmpty}. */
    long oldestBucket() {
        return buckets[0];
    }

    int size() {
        return size;
    }

    private int slot(long bucket) {
        if (size > 0 && buckets[size - 1] == bucket) {
            return size - 1;
        }
        int at = size == 0 || buckets[size - 1] < bucket ? size : Arrays.binarySearch(buckets, 0, size, bucket);
        if (at >= 0 && at < size) {
            return at;
        }
        int slot = at < 0 ? -at - 1 : at;
        if (size == buckets.length) {
            int capacity = buckets.length * 2;
            buckets = Arrays.copyOf(buckets, capacity);
            counts = Arrays.copyOf(counts, capacity);
            columns.forEach(column -> column.resize(capacity));
        }
        System.arraycopy(buckets, slot, buckets, slot + 1, size - slot);
        System.arraycopy(counts, slot, counts, slot + 1, size - slot);
        for (PropertyColumn column : columns) {
            column.open(slot, size);
        }
        buckets[slot] = bucket;
        counts[slot] = 0;
        size++;
        return slot;
    }

    private int firstAtOrAfter(long bucket) {
        if (size == 0 || buckets[0] >= bucket) {
            return 0;
        }
        int at = Arrays.binarySearch(buckets, 0, size, bucket);
        return at >= 0 ? at : -at - 1;
    }

    private PropertyColumn find(String property) {
        for (PropertyColumn column : columns) {
            if (column.property.equals(property)) {
                return column;
            }
        }
        return null;
    }

    private PropertyColumn column(String property) {
        PropertyColumn column = find(property);
        if (column == null) {
            column = new PropertyColumn(property, buckets.length);
            addColumn(column);
        }
        return column;
    }

    private void addColumn(PropertyColumn column) {
        if (columns.isEmpty()) {
            columns = new ArrayList<>(1);
        }
        columns.add(column);
    }

    private static final int EVERY_EVENT_HAS_IT = 8;
    private static final int COUNT_BITS = 3;
    private static final int COUNT_INLINE_MAX = (1 << COUNT_BITS) - 1;

    /**
     * Per column its property and a flag byte (the stored parts, and whether every event of every bucket carried
     * the property: then its per-bucket count is the bucket's and is not written). Per bucket one varint with the
     * delta from the previous bucket (the first from {@code anchor}, the bucket of the event's last time, so it is
     * short) and a small count (larger counts follow), then per column its count unless implied, and one value when
     * it is 1 (sum = min = max), else the stored parts.
     */
    void writeTo(CompactWriter out, long anchor) {
        boolean[] implied = new boolean[columns.size()];
        out.writeVarLong(columns.size());
        for (int c = 0; c < columns.size(); c++) {
            PropertyColumn column = columns.get(c);
            implied[c] = Arrays.equals(column.n, 0, size, counts, 0, size);
            out.writeString(column.property);
            out.writeByte(column.stats | (implied[c] ? EVERY_EVENT_HAS_IT : 0));
        }
        out.writeVarLong(size);
        long previous = anchor;
        for (int i = 0; i < size; i++) {
            long delta = buckets[i] - previous;
            previous = buckets[i];
            long count = counts[i];
            long zigzag = (delta << 1) ^ (delta >> 63);
            out.writeVarLong((zigzag << COUNT_BITS) | (count >= 1 && count <= COUNT_INLINE_MAX ? count : 0));
            if (count < 1 || count > COUNT_INLINE_MAX) {
                out.writeVarLong(count);
            }
            for (int c = 0; c < columns.size(); c++) {
                PropertyColumn column = columns.get(c);
                long n = column.n[i];
                if (!implied[c]) {
                    out.writeVarLong(n);
                }
                if (n == 1) {
                    out.writeDouble(column.sum[i]);
                } else if (n > 1) {
                    if ((column.stats & Aggregate.STAT_SUM) != 0) {
                        out.writeDouble(column.sum[i]);
                    }
                    if ((column.stats & Aggregate.STAT_MIN) != 0) {
                        out.writeDouble(column.min[i]);
                    }
                    if ((column.stats & Aggregate.STAT_MAX) != 0) {
                        out.writeDouble(column.max[i]);
                    }
                }
            }
        }
    }

    /** Reads what {@link #writeTo} wrote with the same {@code anchor}. */
    static BucketSeries readFrom(CompactReader in, long anchor) {
        int columnCount = in.readCount();
        List<String> properties = new ArrayList<>(columnCount);
        int[] flags = new int[columnCount];
        for (int c = 0; c < columnCount; c++) {
            properties.add(in.readString());
            flags[c] = in.readByte();
        }
        int size = in.readCount();
        int capacity = Math.max(INITIAL_CAPACITY, size);
        BucketSeries series = new BucketSeries(capacity);
        for (int c = 0; c < columnCount; c++) {
            PropertyColumn column = new PropertyColumn(properties.get(c), capacity);
            column.stats = flags[c] & ~EVERY_EVENT_HAS_IT;
            series.addColumn(column);
        }
        long previous = anchor;
        for (int i = 0; i < size; i++) {
            long packed = in.readVarLong();
            long zigzag = packed >>> COUNT_BITS;
            previous += (zigzag >>> 1) ^ -(zigzag & 1);
            series.buckets[i] = previous;
            long count = packed & COUNT_INLINE_MAX;
            series.counts[i] = count == 0 ? in.readVarLong() : count;
            for (int c = 0; c < columnCount; c++) {
                PropertyColumn column = series.columns.get(c);
                long n = (flags[c] & EVERY_EVENT_HAS_IT) != 0 ? series.counts[i] : in.readVarLong();
                column.n[i] = n;
                if (n == 1) {
                    double value = in.readDouble();
                    column.sum[i] = value;
                    column.min[i] = value;
                    column.max[i] = value;
                } else if (n > 1) {
                    column.sum[i] = (column.stats & Aggregate.STAT_SUM) != 0 ? in.readDouble() : Double.NaN;
                    column.min[i] = (column.stats & Aggregate.STAT_MIN) != 0 ? in.readDouble() : Double.NaN;
                    column.max[i] = (column.stats & Aggregate.STAT_MAX) != 0 ? in.readDouble() : Double.NaN;
                }
            }
        }
        series.size = size;
        return series;
    }
}
