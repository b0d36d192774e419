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
        assertThatThrownBy(() -> SegmentConfig.validate(config(Map.of("segflow.engine.max-poll-records", "5000"))))
                .hasMessageContaining("segflow.engine.max-poll-records");
    }

    @Test
    void aBackfillChunkOfZeroIsRefused() {
        assertThatThrownBy(() -> SegmentConfig.validate(config(Map.of("segflow.backfill.chunk", "0"))))
                .hasMessageContaining("segflow.backfill.chunk");
    }

    @Test
    void wakesWithNoShareOrNoChunkWhileEventsFlowAreRefused() {
        assertThatThrownBy(() -> SegmentConfig.validate(config(Map.of("segflow.scheduler.live-share", "0"))))
                .hasMessageContaining("segflow.scheduler.live-share");
        assertThatThrownBy(() -> SegmentConfig.validate(config(Map.of("segflow.scheduler.live-chunk", "0"))))
                .hasMessageContaining("segflow.scheduler.live-chunk");
    }

    @Test
    void aBackfillShareOfNothingOrMoreThanAllIsRefused() {
        assertThatThrownBy(() -> SegmentConfig.validate(config(Map.of("segflow.backfill.live-share", "0"))))
                .hasMessageContaining("segflow.backfill.live-share");
        assertThatThrownBy(() -> SegmentConfig.validate(config(Map.of("segflow.backfill.live-share", "1.5"))))
                .hasMessageContaining("segflow.backfill.live-share");
    }

    @Test
    void aNegativeOrHugeBackfillLatencyTargetIsRefused() {
        assertThatThrownBy(() -> SegmentConfig.validate(config(Map.of("segflow.backfill.latency-target", "-1ms"))))
                .hasMessageContaining("segflow.backfill.latency-target");
        assertThatThrownBy(() -> SegmentConfig.validate(config(Map.of("segflow.backfill.latency-target", "1m"))))
                .hasMessageContaining("segflow.backfill.latency-target");
        SegmentConfig.validate(config(Map.of("segflow.backfill.latency-target", "0")));
    }
}
