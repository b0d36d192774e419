package io.segflow.bench.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LatenciesTest {
    private static final long MS = 1_000_000;

    private Locale before;

    // The summary is formatted in the default locale; the expected texts below are written in US digits.
    @BeforeEach
    void usLocale() {
        before = Locale.getDefault();
        Locale.setDefault(Locale.US);
    }

    @AfterEach
    void restoreLocale() {
        Locale.setDefault(before);
    }

    private static String summary(long p50Micros, long p90Micros, long p99Micros, long p999Micros, long maxMicros) {
        return String.format(Locale.US, "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms",
                p50Micros / 1000.0, p90Micros / 1000.0, p99Micros / 1000.0, p999Micros / 1000.0, maxMicros / 1000.0);
    }

    @Test
    void noRequestsSaySo() {
        assertThat(new Latencies().summary()).isEqualTo("no requests");
    }

    @Test
    void oneRequestIsEveryPercentile() {
        Latencies latencies = new Latencies();
        latencies.add(3_456_789);

        assertThat(latencies.summary()).isEqualTo("p50 3.46 ms, p90 3.46 ms, p99 3.46 ms, p99.9 3.46 ms, max 3.46 ms");
    }

    @Test
    void aThousandRequestsGiveTheirNearestRanks() {
        // 1..1000 ms, largest first: p99.9 is the 999th smallest, not the max.
        Latencies latencies = new Latencies();
        for (long ms = 1000; ms >= 1; ms--) {
            latencies.add(ms * MS);
        }

        assertThat(latencies.summary())
                .isEqualTo("p50 500.00 ms, p90 900.00 ms, p99 990.00 ms, p99.9 999.00 ms, max 1000.00 ms");
    }

    @Test
    void percentilesMatchNearestRanksOfASortedCopyForManySizes() {
        Random random = new Random(11);
        for (int run = 0; run < 200; run++) {
            int n = 1 + random.nextInt(run % 20 == 0 ? 100_000 : 2_000);
            long[] micros = new long[n];
            Latencies latencies = new Latencies();
            for (int i = 0; i < n; i++) {
                micros[i] = random.nextInt(5_000_000);
                latencies.add(micros[i] * 1_000 + random.nextInt(1_000));
            }
            long[] sorted = micros.clone();
            Arrays.sort(sorted);
            // Nearest rank ceil(q * n) in integer arithmetic; beyond 65,536 requests the array has grown.
            String expected = summary(sorted[(n + 1) / 2 - 1], sorted[(9 * n + 9) / 10 - 1], sorted[(99 * n + 99) / 100 - 1],
                    sorted[(999 * n + 999) / 1000 - 1], sorted[n - 1]);

            assertThat(latencies.summary()).as("n = %d", n).isEqualTo(expected);
        }
    }
}
