package io.segflow.core.profile;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.state.CompactReader;
import io.segflow.core.state.CompactWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BucketSeriesTest {
    private static final List<String> PROPERTIES = List.of("amount", "quantity");

    @Test
    void countingMoreBucketsThanTheInitialCapacityKeepsEveryCount() {
        BucketSeries series = new BucketSeries();
        for (long bucket : new long[] {1, 2, 3, 5, 6, 4}) { // the last one is late: inserted into a grown series
            series.count(bucket);
        }

        assertThat(series.size()).isEqualTo(6);
        assertThat(series.countFrom(0)).isEqualTo(6);
        assertThat(series.countFrom(4)).isEqualTo(3);
    }

    @Test
    void aSeriesAnswersLikeASortedMapOfBucketsWhateverTheOrderOfEvents() {
        for (long seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            BucketSeries series = new BucketSeries();
            Oracle oracle = new Oracle();
            for (int op = 0; op < 300; op++) {
                if (random.nextInt(40) == 0) {
                    long keepFrom = oracle.counts.isEmpty() ? 0 : oracle.counts.firstKey() + random.nextInt(10);
                    series.trimBefore(keepFrom);
                    oracle.counts.headMap(keepFrom).clear();
                    oracle.aggregates.headMap(keepFrom).clear();
                } else {
                    long bucket = 1_000 + random.nextInt(random.nextBoolean() ? 8 : 200);
                    series.count(bucket);
                    oracle.counts.merge(bucket, 1L, Long::sum);
                    for (String property : PROPERTIES) {
                        if (random.nextBoolean()) {
                            double value = random.nextInt(2_000) / 100.0 - 5;
                            series.add(bucket, property, value);
                            oracle.aggregates.computeIfAbsent(bucket, b -> new HashMap<>())
                                    .merge(property, Aggregate.EMPTY.plus(value), Aggregate::merge);
                        }
                    }
                }
                if (op % 50 == 49) {
                    series = roundTrip(series); // the stored form goes on the same way
                }
                long from = 990 + random.nextInt(220);
                assertThat(answers(series, from)).as("seed %d, op %d", seed, op).isEqualTo(oracle.answers(from));
            }
        }
    }

    @Test
    void aColumnReadOnlyForItsMaxStoresOnlyTheValuesNoLaterBucketBeatsAndAnswersTheSame() {
        for (long seed = 0; seed < 100; seed++) {
            Random random = new Random(seed);
            BucketSeries series = new BucketSeries();
            BucketSeries everything = new BucketSeries();
            for (int event = 0; event < 60; event++) {
                long bucket = 1_000 + random.nextInt(50);
                double price = random.nextInt(15_000) / 100.0;
                series.count(bucket);
                series.add(bucket, "price", price, Aggregate.STAT_MAX);
                everything.count(bucket);
                everything.add(bucket, "price", price);
            }
            BucketSeries read = roundTrip(series);
            for (long from = 990; from < 1_060; from++) {
                assertThat(Double.valueOf(read.aggregateFrom("price", from).max())).as("seed %d, from %d", seed, from)
                        .isEqualTo(Double.valueOf(everything.aggregateFrom("price", from).max()));
                // the oldest value left decides when the window's max changes: no other bucket can change it
                OptionalLong oldest = read.oldestFrom("price", from);
                assertThat(oldest).isEqualTo(series.oldestFrom("price", from));
                if (oldest.isPresent()) {
                    assertThat(Double.valueOf(read.aggregateFrom("price", oldest.getAsLong() + 1).max()))
                            .as("seed %d: the max without bucket %d", seed, oldest.getAsLong())
                            .isNotEqualTo(Double.valueOf(read.aggregateFrom("price", from).max()));
                }
            }
            assertThat(encodedSize(series)).as("seed %d", seed).isLessThan(encodedSize(everything) - 60);
        }
    }

    @Test
    void twoMergedSeriesAnswerLikeOneThatCountedTheEventsOfBoth() {
        for (long seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            BucketSeries[] sides = {new BucketSeries(), new BucketSeries()};
            BucketSeries[] maxOnly = {new BucketSeries(), new BucketSeries()};
            BucketSeries everyMax = new BucketSeries();
            Oracle oracle = new Oracle();
            for (int event = random.nextInt(100); event > 0; event--) {
                int side = random.nextInt(2);
                long bucket = 1_000 + random.nextInt(random.nextBoolean() ? 8 : 100);
                sides[side].count(bucket);
                maxOnly[side].count(bucket);
                everyMax.count(bucket);
                oracle.counts.merge(bucket, 1L, Long::sum);
                for (String property : PROPERTIES) {
                    if (random.nextBoolean()) {
                        double value = random.nextInt(2_000) / 4.0 - 5; // quarters: sums exact in any order
                        sides[side].add(bucket, property, value);
                        oracle.aggregates.computeIfAbsent(bucket, b -> new HashMap<>())
                                .merge(property, Aggregate.EMPTY.plus(value), Aggregate::merge);
                        maxOnly[side].add(bucket, property, value, Aggregate.STAT_MAX);
                        everyMax.add(bucket, property, value, Aggregate.STAT_MAX);
                    }
                }
            }
            BucketSeries merged = random.nextBoolean() ? sides[0] : roundTrip(sides[0]);
            merged.merge(random.nextBoolean() ? sides[1] : roundTrip(sides[1]));
            BucketSeries mergedMax = random.nextBoolean() ? maxOnly[0] : roundTrip(maxOnly[0]);
            mergedMax.merge(random.nextBoolean() ? maxOnly[1] : roundTrip(maxOnly[1]));

            for (long from = 990; from < 1_110; from++) {
                assertThat(answers(merged, from)).as("seed %d, from %d", seed, from).isEqualTo(oracle.answers(from));
                assertThat(answers(roundTrip(merged), from)).as("seed %d, from %d, stored", seed, from)
                        .isEqualTo(oracle.answers(from));
                for (String property : PROPERTIES) {
                    // only the max is kept: the max and the oldest bucket that can change it (n is no count here)
                    assertThat(Double.valueOf(mergedMax.aggregateFrom(property, from).max())).as("seed %d, from %d", seed, from)
                            .isEqualTo(Double.valueOf(everyMax.aggregateFrom(property, from).max()));
                    assertThat(mergedMax.oldestFrom(property, from)).as("seed %d, from %d", seed, from)
                            .isEqualTo(everyMax.oldestFrom(property, from));
                }
            }
        }
    }

    @Test
    void valuesNoSegmentReadsAreDroppedWhileTheCountsStay() {
        BucketSeries series = new BucketSeries();
        for (long bucket = 10; bucket < 20; bucket++) {
            series.count(bucket);
            series.add(bucket, "amount", bucket);
            series.add(bucket, "quantity", 1);
        }

        series.keepValues("amount"::equals, 15);

        BucketSeries read = roundTrip(series);
        assertThat(read.countFrom(0)).isEqualTo(10);
        assertThat(read.aggregateFrom("amount", 0)).isEqualTo(new Aggregate(5, 15 + 16 + 17 + 18 + 19, 15, 19));
        assertThat(read.aggregateFrom("quantity", 0)).isEqualTo(Aggregate.EMPTY);

        series.keepValues("amount"::equals, 20);
        assertThat(roundTrip(series).aggregateFrom("amount", 0)).isEqualTo(Aggregate.EMPTY);
        assertThat(encodedSize(series)).isEqualTo(encodedSize(countsOnly(10, 20)));
    }

    private static BucketSeries countsOnly(long from, long to) {
        BucketSeries series = new BucketSeries();
        for (long bucket = from; bucket < to; bucket++) {
            series.count(bucket);
        }
        return series;
    }

    private static final long ANCHOR = 1_100;

    private static int encodedSize(BucketSeries series) {
        CompactWriter out = new CompactWriter(0);
        series.writeTo(out, ANCHOR);
        return out.size();
    }

    private static BucketSeries roundTrip(BucketSeries series) {
        CompactWriter out = new CompactWriter(0);
        series.writeTo(out, ANCHOR);
        CompactReader in = new CompactReader(out.toByteArray());
        BucketSeries read = BucketSeries.readFrom(in, ANCHOR);
        assertThat(in.atEnd()).isTrue();
        return read;
    }

    private static Map<String, Object> answers(BucketSeries series, long from) {
        Map<String, Object> answers = new HashMap<>();
        answers.put("size", series.size());
        answers.put("countFrom", series.countFrom(from));
        answers.put("oldestFrom", series.oldestFrom(null, from));
        for (String property : List.of("amount", "quantity", "none")) {
            answers.put("aggregateFrom " + property, series.aggregateFrom(property, from));
            answers.put("oldestFrom " + property, series.oldestFrom(property, from));
        }
        return answers;
    }

    /** The same buckets in sorted maps. */
    private static final class Oracle {
        final NavigableMap<Long, Long> counts = new TreeMap<>();
        final NavigableMap<Long, Map<String, Aggregate>> aggregates = new TreeMap<>();

        Map<String, Object> answers(long from) {
            Map<String, Object> answers = new HashMap<>();
            answers.put("size", counts.size());
            answers.put("countFrom", counts.tailMap(from, true).values().stream().mapToLong(Long::longValue).sum());
            answers.put("oldestFrom", counts.ceilingKey(from) == null ? OptionalLong.empty() : OptionalLong.of(counts.ceilingKey(from)));
            for (String property : List.of("amount", "quantity", "none")) {
                Aggregate total = Aggregate.EMPTY;
                OptionalLong oldest = OptionalLong.empty();
                for (Map.Entry<Long, Map<String, Aggregate>> bucket : aggregates.tailMap(from, true).entrySet()) {
                    Aggregate aggregate = bucket.getValue().get(property);
                    if (aggregate != null) {
                        total = total.merge(aggregate);
                        oldest = oldest.isPresent() ? oldest : OptionalLong.of(bucket.getKey());
                    }
                }
                answers.put("aggregateFrom " + property, total);
                answers.put("oldestFrom " + property, oldest);
            }
            return answers;
        }
    }
}
