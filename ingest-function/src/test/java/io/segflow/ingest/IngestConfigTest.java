package io.segflow.ingest;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings that would fail every request are refused at startup, naming the setting. */
class IngestConfigTest {

    private static IngestConfig config(Map<String, String> values) {
        Map<String, String> withKeys = new HashMap<>(values);
        withKeys.put("segflow.write-keys", "web:a-write-key");
        // Durations as Quarkus reads them ("10s", "-1s").
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(IngestConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValues(withKeys).build();
        return config.getConfigMapping(IngestConfig.class);
    }

    @Test
    void theDefaultsAreValid() {
        assertThatCode(() -> IngestConfig.validate(config(Map.of()))).doesNotThrowAnyException();
    }

    @Test
    void anAckTimeoutOfZeroOrLessIsRefused() {
        assertRefused("segflow.ack-timeout", "-1s");
        assertRefused("segflow.ack-timeout", "0s");
    }

    @Test
    void noRoomForEventsInFlightIsRefused() {
        assertRefused("segflow.max-in-flight-events", "0");
        assertRefused("segflow.max-in-flight-events", "-5");
    }

    /** Startup refuses {@code property} set to {@code value}, naming it. */
    private static void assertRefused(String property, String value) {
        assertThatThrownBy(() -> IngestConfig.validate(config(Map.of(property, value)))).hasMessageContaining(property);
    }
}
