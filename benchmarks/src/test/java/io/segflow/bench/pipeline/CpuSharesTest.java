package io.segflow.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuSharesTest {
    private static final long SECOND = 1_000_000_000;

    private static CpuShares.Snapshot snapshot(long nanos, Object... componentMicros) {
        Map<String, Long> micros = new LinkedHashMap<>();
        for (int i = 0; i < componentMicros.length; i += 2) {
            micros.put((String) componentMicros[i], ((Number) componentMicros[i + 1]).longValue());
        }
        return new CpuShares.Snapshot(micros, nanos);
    }

    @Test
    void usedIsTheDifferenceOfTheSnapshots() {
        CpuShares.Snapshot before = snapshot(0, CpuShares.SEGMENT_FUNCTION, 1_000_000);
        CpuShares.Snapshot after = snapshot(SECOND, CpuShares.SEGMENT_FUNCTION, 1_750_000);

        assertThat(CpuShares.used(before, after, CpuShares.SEGMENT_FUNCTION)).isEqualTo(750_000);
    }

    @Test
    void usedIsMinusOneWhenEitherSnapshotLacksTheComponent() {
        CpuShares.Snapshot with = snapshot(0, "Kafka", 5);
        CpuShares.Snapshot without = snapshot(SECOND, "Redis", 9);

        assertThat(CpuShares.used(with, without, "Kafka")).isEqualTo(-1);
        assertThat(CpuShares.used(without, with, "Kafka")).isEqualTo(-1);
    }

    @Test
    void sharesArePercentOfOneCoreOverTheWindowInTheSnapshotsOrder() {
        // Over 2 s: 1.02 s of CPU is 51 % of a core, 1 s is 50 %, 0.62 s is 31 %, 0.7 s is 35 %.
        CpuShares.Snapshot before = snapshot(5 * SECOND,
                CpuShares.SEGMENT_FUNCTION, 10_000_000, "Kafka", 20_000_000, "Redis", 3_000_000, "load generator", 1_000_000);
        CpuShares.Snapshot after = snapshot(7 * SECOND,
                CpuShares.SEGMENT_FUNCTION, 11_020_000, "Kafka", 21_000_000, "Redis", 3_620_000, "load generator", 1_700_000);

        int cores = Runtime.getRuntime().availableProcessors();
        assertThat(CpuShares.between(before, after))
                .isEqualTo("segment-function 51%, Kafka 50%, Redis 31%, load generator 35%; 167% of " + cores * 100 + "%");
    }

    @Test
    void aComponentMissingBeforeIsLeftOutOfTheSharesAndTheirSum() {
        // Kafka's pid file appeared during the window: no share for it rather than all its CPU since it started.
        CpuShares.Snapshot before = snapshot(0, "Redis", 1_000_000);
        CpuShares.Snapshot after = snapshot(SECOND, "Kafka", 90_000_000, "Redis", 1_250_000);

        int cores = Runtime.getRuntime().availableProcessors();
        assertThat(CpuShares.between(before, after)).isEqualTo("Redis 25%; 25% of " + cores * 100 + "%");
    }
}
