package io.segflow.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IsoInstantsTest {

    @Test
    void formatsExactlyAsTheJdkForEveryFractionWidthAndYear() {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            long seconds = random.nextLong(-62_167_219_200L, 253_402_300_799L); // 0000-01-01 .. 9999-12-31
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant instant = Instant.ofEpochSecond(seconds, nanos);
            assertThat(IsoInstants.format(instant)).isEqualTo(instant.toString());
        }
    }

    @Test
    void formatsInstantsBeyondFourDigitYearsAsTheJdk() {
        for (Instant instant : new Instant[] {Instant.MIN, Instant.MAX, Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.parse("-0001-12-31T23:59:59.5Z"), Instant.EPOCH}) {
            assertThat(IsoInstants.format(instant)).isEqualTo(instant.toString());
        }
    }

    /** What events were parsed with before the fast path: the reference for results and refusals. */
    private static Instant jdk(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return Instant.parse(text);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-26T10:00:00Z", "2026-11-26T10:00:00.1Z", "2026-11-26T10:00:00.123Z",
            "2026-11-26T10:00:00.123456789Z", "2026-11-26T10:00:00.5+01:00", "2026-11-26T23:59:59-11:30",
            "2024-02-29T12:00:00+18:00", "1969-12-31T23:59:59.999Z", "2026-11-26T10:00Z", "2026-11-26t10:00:00z",
            "2026-11-26T10:00:00-00:00", "2026-11-26T24:00:00Z", "2026-11-26T10:00:00.Z"})
    void parsesAsTheJdk(String text) {
        assertThat(IsoInstants.parse(text)).isEqualTo(jdk(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-02-30T10:00:00Z", "2026-11-26T10:60:00Z", "2026-11-26T10:00:00+0100",
            "2026-11-26T10:00:00+18:30", "2026-11-26T10:00:00.1234567891Z", "2026-11-26 10:00:00Z",
            "2026-11-26T10:00:00", "yesterday", "2026-1a-26T10:00:00Z", "2026-11-26T10:00:00+01:0x", ""})
    void refusesWhatTheJdkRefuses(String text) {
        assertThatThrownBy(() -> jdk(text)).isInstanceOf(DateTimeParseException.class);
        assertThatThrownBy(() -> IsoInstants.parse(text)).isInstanceOf(DateTimeParseException.class);
    }
}
