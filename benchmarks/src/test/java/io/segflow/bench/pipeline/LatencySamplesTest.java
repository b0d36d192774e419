package io.segflow.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencySamplesTest {
    private static final long MS = 1_000_000;
    private static final long SECOND = 1_000_000_000;

    @Test
    void noSamplesGiveZerosAndSaySo() {
        LatencySamples.Percentiles p = new LatencySamples().percentiles(t -> true);

        assertThat(p).isEqualTo(new LatencySamples.Percentiles(0, 0, 0, 0, 0));
        assertThat(p.toString()).isEqualTo("no samples");
    }

    @Test
    void oneSampleIsEveryPercentileAndTheMax() {
        LatencySamples samples = new LatencySamples();
        samples.add(0, 7 * MS);

        assertThat(samples.percentiles(t -> true)).isEqualTo(new LatencySamples.Percentiles(1, 7, 7, 7, 7));
    }

    @Test
    void percentilesOfAHundredSamplesAreTheirNearestRanks() {
        // 1..100 ms in shuffled order: p50 is the 50th smallest, p90 the 90th, p99 the 99th.
        List<Long> millis = new ArrayList<>();
        for (long ms = 1; ms <= 100; ms++) {
            millis.add(ms);
        }
        Collections.shuffle(millis, new Random(7));
        LatencySamples samples = new LatencySamples();
        millis.forEach(ms -> samples.add(0, ms * MS));

        assertThat(samples.percentiles(t -> true)).isEqualTo(new LatencySamples.Percentiles(100, 50, 90, 99, 100));
    }

    @Test
    void percentilesMatchNearestRanksOfASortedCopyForManySizes() {
        Random random = new Random(42);
        for (int run = 0; run < 200; run++) {
            int n = 1 + random.nextInt(run < 100 ? 120 : 5_000);
            long[] micros = new long[n];
            LatencySamples samples = new LatencySamples();
            for (int i = 0; i < n; i++) {
                micros[i] = random.nextInt(2_000_000);
                samples.add(i, micros[i] * 1_000 + random.nextInt(1_000)); // the sub-microsecond part is dropped
            }
            long[] sorted = micros.clone();
            Arrays.sort(sorted);
            // Nearest rank ceil(q * n) in integer arithmetic, free of floating-point rounding.
            LatencySamples.Percentiles expected = new LatencySamples.Percentiles(n,
                    sorted[(n + 1) / 2 - 1] / 1000.0,
                    sorted[(9 * n + 9) / 10 - 1] / 1000.0,
                    sorted[(99 * n + 99) / 100 - 1] / 1000.0,
                    sorted[n - 1] / 1000.0);

            assertThat(samples.percentiles(t -> true)).as("n = %d", n).isEqualTo(expected);
        }
    }

    @Test
    void latenciesAreKeptToTheMicrosecond() {
        LatencySamples samples = new LatencySamples();
        samples.add(0, 1_234_999);

        assertThat(samples.percentiles(t -> true).max()).isEqualTo(1.234);
    }

    @Test
    void onlySamplesWhoseEventWasDueAtAnAcceptedTimeCount() {
        LatencySamples samples = new LatencySamples();
        for (int i = 0; i < 10; i++) {
            samples.add(i * SECOND, (i < 5 ? 1 : 100) * MS); // slow from the fifth second on
        }

        assertThat(samples.percentiles(t -> t < 5 * SECOND)).isEqualTo(new LatencySamples.Percentiles(5, 1, 1, 1, 1));
        assertThat(samples.percentiles(t -> t >= 5 * SECOND)).isEqualTo(new LatencySamples.Percentiles(5, 100, 100, 100, 100));
        assertThat(samples.percentiles(t -> false).count()).isZero();
        assertThat(samples.count()).isEqualTo(10);
    }

    @Test
    void samplesBeyondTheFirstArrayKeepTheirIntendedTimes() {
        // The arrays start at 65,536 and double: the times must grow with the latencies.
        int n = 200_000;
        LatencySamples samples = new LatencySamples();
        for (int i = 0; i < n; i++) {
            samples.add(i, (long) i * 1_000);
        }

        assertThat(samples.count()).isEqualTo(n);
        LatencySamples.Percentiles late = samples.percentiles(t -> t >= 150_000);
        assertThat(late.count()).isEqualTo(50_000);
        assertThat(late.max()).isEqualTo((n - 1) / 1000.0);
        assertThat(late.p50()).isEqualTo((150_000 + 25_000 - 1) / 1000.0);
    }

    @Test
    void slowestPerSecondListsEachSecondsMaxInWholeMillis() {
        long start = 10 * SECOND;
        LatencySamples samples = new LatencySamples();
        samples.add(start - SECOND, 3 * MS); // due before the start: counted in its first second
        samples.add(start, 2 * MS);
        samples.add(start + 999 * MS, 4_400_000); // 4.4 ms rounds to 4
        samples.add(start + SECOND, 7_600_000); // 7.6 ms rounds to 8
        samples.add(start + 1_500 * MS, 5 * MS);
        samples.add(start + 2 * SECOND, 250 * MS);

        assertThat(samples.slowestPerSecond(start)).isEqualTo("4 8 250");
        assertThat(new LatencySamples().slowestPerSecond(start)).isEmpty();
    }

    @Test
    void percentilesPrintInMillisWithTheCount() {
        Locale before = Locale.getDefault();
        Locale.setDefault(Locale.US);
        try {
            assertThat(new LatencySamples.Percentiles(12_345, 1.25, 2.5, 10.04, 99.96).toString())
                    .isEqualTo("p50 1.3 / p90 2.5 / p99 10.0 / max 100.0 ms (12,345 changes)");
        } finally {
            Locale.setDefault(before);
        }
    }
}
