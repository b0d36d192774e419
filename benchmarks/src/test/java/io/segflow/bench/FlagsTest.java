package io.segflow.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FlagsTest {
    private static final Set<String> NAMES = Set.of("rate", "seconds", "redis");

    @Test
    void pairsGiveEachNameItsValue() {
        assertThat(Flags.parse(new String[] {"--rate", "5000", "--redis", "redis://127.0.0.1:26379"}, NAMES))
                .isEqualTo(Map.of("rate", "5000", "redis", "redis://127.0.0.1:26379"));
    }

    @Test
    void noArgumentsGiveNoValues() {
        assertThat(Flags.parse(new String[0], NAMES)).isEmpty();
    }

    @Test
    void anUnknownNameIsRefusedRatherThanIgnored() {
        // a typo must not run silently with the default
        assertThatThrownBy(() -> Flags.parse(new String[] {"--rate", "5000", "--secs", "30"}, NAMES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got --secs");
    }

    @Test
    void aNameWithoutItsValueIsRefused() {
        assertThatThrownBy(() -> Flags.parse(new String[] {"--rate", "5000", "--seconds"}, NAMES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got --seconds");
    }

    @Test
    void aValueWithoutItsNameIsRefused() {
        assertThatThrownBy(() -> Flags.parse(new String[] {"5000", "--rate"}, NAMES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 5000");
        assertThatThrownBy(() -> Flags.parse(new String[] {"-rate", "5000"}, NAMES))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void helpIsRefusedWithTheNamesThatAreKnown() {
        assertThatThrownBy(() -> Flags.parse(new String[] {"--help"}, NAMES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rate").hasMessageContaining("seconds").hasMessageContaining("redis");
    }
}
