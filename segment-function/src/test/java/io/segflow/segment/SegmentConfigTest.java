package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings that cannot work are refused at startup, naming the setting. */
class SegmentConfigTest {

    private static SegmentConfig config(Map<String, String> values) {
        // Durations as Quarkus reads them ("250ms", "24h").
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(SegmentConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValues(values).build();
        return config.getConfigMapping(SegmentConfig.class);
    }

    @Test
    void theDefaultsAreValid() {
        assertThatCode(() -> SegmentConfig.validate(config(Map.of()))).doesNotThrowAnyException();
    }

    @Test
    void aPollLargerThanARoundMayHoldIsRefused() {
        assertRefused("segflow.engine.max-poll-records", "5000");
    }

    @Test
    void aRedisTimeoutTooShortForARoundsPipelineIsRefused() {
        assertRefused("segflow.engine.redis-timeout", "50ms");
    }

    @Test
    void aBackfillChunkOfZeroIsRefused() {
        assertRefused("segflow.backfill.chunk", "0");
    }

    @Test
    void wakesWithNoShareOrNoChunkWhileEventsFlowAreRefused() {
        assertRefused("segflow.scheduler.live-share", "0");
        assertRefused("segflow.scheduler.live-chunk", "0");
    }

    @Test
    void aBackfillShareOfNothingOrMoreThanAllIsRefused() {
        assertRefused("segflow.backfill.live-share", "0");
        assertRefused("segflow.backfill.live-share", "1.5");
    }

    @Test
    void aNegativeOrHugeBackfillLatencyTargetIsRefused() {
        assertRefused("segflow.backfill.latency-target", "-1ms");
        assertRefused("segflow.backfill.latency-target", "1m");
        SegmentConfig.validate(config(Map.of("segflow.backfill.latency-target", "0")));
    }

    @Test
    void aRecordFormatNeitherCurrentNorTheOneBeforeIsRefused() {
        assertRefused("segflow.engine.record-format", "3");
        assertRefused("segflow.engine.record-format", "6");
        SegmentConfig.validate(config(Map.of("segflow.engine.record-format", "4")));
    }

    @Test
    void aNegativeOrHugeCatalogWarmUpIsRefused() {
        assertRefused("segflow.engine.catalog-warm-up-compiles", "-1");
        assertRefused("segflow.engine.catalog-warm-up-compiles", "50000");
        SegmentConfig.validate(config(Map.of("segflow.engine.catalog-warm-up-compiles", "0")));
    }

    @Test
    void aNegativeSlowRoundThresholdIsRefused() {
        assertRefused("segflow.engine.slow-round", "-1ms");
        SegmentConfig.validate(config(Map.of("segflow.engine.slow-round", "0s")));
        SegmentConfig.validate(config(Map.of("segflow.engine.slow-round", "50ms")));
    }

    @Test
    void anIdlePollLongerThanTheWakeIntervalIsRefused() {
        assertRefused("segflow.engine.poll-timeout", "2s");
        assertThatThrownBy(() -> SegmentConfig.validate(config(Map.of("segflow.engine.poll-timeout", "500ms",
                "segflow.scheduler.poll-interval", "200ms")))).hasMessageContaining("segflow.engine.poll-timeout");
        SegmentConfig.validate(config(Map.of("segflow.engine.poll-timeout", "500ms", "segflow.scheduler.poll-interval", "1s")));
    }

    /** Startup refuses {@code property} set to {@code value}, naming it. */
    private static void assertRefused(String property, String value) {
        assertThatThrownBy(() -> SegmentConfig.validate(config(Map.of(property, value)))).hasMessageContaining(property);
    }
}
