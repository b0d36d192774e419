package io.segflow.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.event.Event;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.Scoring;
import io.segflow.core.rules.Reads;
import io.segflow.core.rules.RuleCompiler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When time alone can flip a condition: the wakes the engine schedules. */
class TimeFlipsTest {
    private static final long DAY = 86_400_000L;
    private static final long START = Instant.parse("2026-12-01T00:00:00Z").toEpochMilli();
    private static final Scoring SCORING = new Scoring(Duration.ofDays(1), Map.of("buy", 10.0));

    private static Reads reads(String condition) {
        return new RuleCompiler().compile(condition).reads();
    }

    private static Profile visitedAt(long atMillis, Reads reads) {
        Profile profile = new Profile("u1");
        Instant at = Instant.ofEpochMilli(atMillis);
        profile.apply(new Event(1, "track", "m", "u1", null, "buy", null, null, null, null, Map.of(), null, null, at, null,
                null, at, "test"), ProfileNeeds.of(List.of(reads)), SCORING, atMillis);
        return profile;
    }

    @Test
    void aTimestampLiteralMovedByADurationWakesWhenTheSumComes() {
        Reads reads = reads("now < timestamp(\"2026-12-01T00:00:00Z\") + duration(\"7d\")");
        long now = START + DAY + 1;

        assertThat(TimeFlips.next(reads, visitedAt(now, reads), SCORING, now)).isEqualTo(START + 7 * DAY);
    }

    @Test
    void aDurationBeforeNowComparedWithALiteralWakesToo() {
        Reads reads = reads("now - duration(\"24h\") > timestamp(\"2026-12-01T00:00:00Z\")");
        long now = START + 1;

        assertThat(TimeFlips.next(reads, visitedAt(now, reads), SCORING, now)).isEqualTo(START + DAY);
    }

    @Test
    void aDeadlineWrittenAsASumOfDurationsWakesAtTheSum() {
        Reads reads = reads("now - lastSeen > duration(\"6d\") + duration(\"1d\")");
        long now = START + 6 * DAY + 1; // past the 6-day candidate and the millisecond after it

        assertThat(TimeFlips.next(reads, visitedAt(START, reads), SCORING, now)).isEqualTo(START + 7 * DAY);
    }

    @Test
    void aScoreDatedAheadOfTheClockWakesWhenItDecaysBelowTheLine() {
        Reads reads = reads("score > 15.0");
        long now = START;

        // 10 as of a day ahead is 20 now; it is 15 when 10 * 2^((START + 1d - t) / 1d) = 15, about 9.96 h from now.
        long wake = TimeFlips.next(reads, visitedAt(START + DAY, reads), SCORING, now);

        assertThat(wake).isBetween(START + (long) (9.95 * 3_600_000), START + (long) (9.97 * 3_600_000));
    }
}
