package io.segflow.core.profile;

import io.segflow.core.state.CompactReader;
import io.segflow.core.state.CompactWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * The time buckets of one event name at one {@link Granularity}: how many events fell in each bucket and, for the
 * numeric properties that windowed conditions read, their count, sum, min and max. Only buckets with events exist,
 * kept in primitive arrays sorted by bucket: events mostly arrive in time order, so adding is an append.
 */
final class BucketSeries {
    private long[] buckets = new long[4];
    private long[] counts = new long[4];
    private int size;
    private final List<PropertyColumn> columns = new ArrayList<>(1);

    /** One property's aggregates, aligned with the buckets. */
    private static final class PropertyColumn {
        final String property;
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
                sum[slot] += value;
                min[slot] = Math.min(min[slot], value);
                max[slot] = Math.max(max[slot], value);
            }
            n[slot]++;
        }

        Aggregate at(int slot) {
            return n[slot] == 0 ? Aggregate.EMPTY : new Aggregate(n[slot], sum[slot], min[slot], max[slot]);
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

    /** Adds a property value of an event already {@linkplain #count counted} in {@code bucket}. */
    void add(long bucket, String property, double value) {
        int slot = slot(bucket);
        column(property).plus(slot, value);
    }

    /** Events in the buckets from {@code fromBucket} on. */
    long countFrom(long fromBucket) {
        long total = 0;
        for (int i = firstAtOrAfter(fromBucket); i < size; i++) {
            total += counts[i];
        }
        return total;
    }

    Aggregate aggregateFrom(String property, long fromBucket) {
        PropertyColumn column = find(property);
        Aggregate total = Aggregate.EMPTY;
        if (column != null) {
            for (int i = firstAtOrAfter(fromBucket); i < size; i++) {
                total = total.merge(column.at(i));
            }
        }
        return total;
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

    boolean isEmpty() {
        return size == 0;
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
            columns.add(column);
        }
        return column;
    }

    /**
     * Buckets as deltas from the previous one, counts, and per property its count in the bucket followed by one
     * value when it is 1 (sum = min = max) or sum, min and max otherwise.
     */
    void writeTo(CompactWriter out) {
        out.writeVarLong(columns.size());
        columns.forEach(column -> out.writeString(column.property));
        out.writeVarLong(size);
        long previous = 0;
        for (int i = 0; i < size; i++) {
            out.writeSignedVarLong(buckets[i] - previous);
            previous = buckets[i];
            out.writeVarLong(counts[i]);
            for (PropertyColumn column : columns) {
                long n = column.n[i];
                out.writeVarLong(n);
                if (n == 1) {
                    out.writeDouble(column.sum[i]);
                } else if (n > 1) {
                    out.writeDouble(column.sum[i]);
                    out.writeDouble(column.min[i]);
                    out.writeDouble(column.max[i]);
                }
            }
        }
    }

    static BucketSeries readFrom(CompactReader in) {
        BucketSeries series = new BucketSeries();
        int columnCount = in.readCount();
        List<String> properties = new ArrayList<>(columnCount);
        for (int c = 0; c < columnCount; c++) {
            properties.add(in.readString());
        }
        int size = in.readCount();
        int capacity = Math.max(4, size);
        series.buckets = new long[capacity];
        series.counts = new long[capacity];
        properties.forEach(property -> series.columns.add(new PropertyColumn(property, capacity)));
        long previous = 0;
        for (int i = 0; i < size; i++) {
            previous += in.readSignedVarLong();
            series.buckets[i] = previous;
            series.counts[i] = in.readVarLong();
            for (PropertyColumn column : series.columns) {
                long n = in.readVarLong();
                column.n[i] = n;
                if (n == 1) {
                    double value = in.readDouble();
                    column.sum[i] = value;
                    column.min[i] = value;
                    column.max[i] = value;
                } else if (n > 1) {
                    column.sum[i] = in.readDouble();
                    column.min[i] = in.readDouble();
                    column.max[i] = in.readDouble();
                }
            }
        }
        series.size = size;
        return series;
    }
}
