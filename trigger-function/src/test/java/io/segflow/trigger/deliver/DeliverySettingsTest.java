package io.segflow.trigger.deliver;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.runtime.configuration.DurationConverter;
import io.segflow.trigger.TriggerConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Delivery settings that would fail every firing are refused when the dispatcher is created at startup, naming the setting. */
class DeliverySettingsTest {

    private static TriggerConfig.Deliveries deliveries(Map<String, String> values) {
        // Durations as Quarkus reads them ("5s", "-1s").
        return new SmallRyeConfigBuilder().withMapping(TriggerConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValues(values).build().getConfigMapping(TriggerConfig.class).deliveries();
    }

    @Test
    void theDefaultsAreValid() {
        assertThatCode(() -> Dispatcher.validate(deliveries(Map.of()))).doesNotThrowAnyException();
    }

    @Test
    void aCallTimeoutOfZeroOrLessIsRefused() {
        assertRefused("segflow.trigger.deliveries.timeout", "-1s");
        assertRefused("segflow.trigger.deliveries.timeout", "0s");
    }

    @Test
    void retrySettingsAreCheckedAtStartupNotAtTheFirstFiring() {
        assertRefused("segflow.trigger.deliveries.jitter", "0.9");
        assertRefused("segflow.trigger.deliveries.deadline", "-1h");
        assertRefused("segflow.trigger.deliveries.backoff", "5s,-30s");
    }

    @Test
    void aStopWaitFromZeroToTwentySecondsIsTakenAndAnyOtherRefused() {
        assertThatCode(() -> Dispatcher.validate(deliveries(Map.of("segflow.trigger.deliveries.stop-wait", "0s"))))
                .doesNotThrowAnyException();
        assertThatCode(() -> Dispatcher.validate(deliveries(Map.of("segflow.trigger.deliveries.stop-wait", "20s"))))
                .doesNotThrowAnyException();
        assertRefused("segflow.trigger.deliveries.stop-wait", "-1s");
        assertRefused("segflow.trigger.deliveries.stop-wait", "21s");
    }

    private static void assertRefused(String property, String value) {
        assertThatThrownBy(() -> Dispatcher.validate(deliveries(Map.of(property, value)))).hasMessageContaining(property);
    }
}
