package io.segflow.segment.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LiveFirstBudgetTest {
    private static final long MS = 1_000_000L;

    @Test
    void whileEventsFlowAChunkIsPaidBackAtTheShareOfWallClockTime() {
        LiveFirstBudget budget = new LiveFirstBudget(0.25, 0);
        budget.liveEvents(0);
        assertThat(budget.allows(1 * MS)).as("a quarter of a millisecond saved up").isTrue();

        budget.spent(10 * MS);

        assertThat(budget.allows(2 * MS)).isFalse();
        assertThat(budget.waitNanos(2 * MS)).as("(10 - 0.25 - 0.25) ms to pay back at a quarter").isBetween(38 * MS, 38 * MS + 2);
        budget.liveEvents(30 * MS);
        assertThat(budget.allows(40 * MS)).isFalse();
        assertThat(budget.allows(41 * MS)).isTrue();
    }

    @Test
    void aQuietSpellSavesUpAboutOneChunkNotABurst() {
        LiveFirstBudget budget = new LiveFirstBudget(0.25, 0);
        budget.liveEvents(0);
        budget.liveEvents(900 * MS); // events all along, no backfill for 900 ms: 225 ms would be saved without a cap
        assertThat(budget.allows(900 * MS)).isTrue();

        budget.spent(LiveFirstBudget.MAX_SAVED_NANOS + 5 * MS);

        assertThat(budget.allows(900 * MS)).isFalse();
        assertThat(budget.waitNanos(900 * MS)).as("5 ms to pay back at a quarter").isBetween(20 * MS, 20 * MS + 2);
    }

    @Test
    void anIdleEngineBackfillsAtFullSpeed() {
        LiveFirstBudget budget = new LiveFirstBudget(0.25, 0);
        budget.liveEvents(0);
        budget.spent(500 * MS);
        assertThat(budget.allows(600 * MS)).isFalse();

        assertThat(budget.allows(1_000 * MS)).as("no event for a second").isTrue();
        assertThat(budget.waitNanos(1_000 * MS)).isZero();
        budget.spent(500 * MS);
        assertThat(budget.allows(1_001 * MS)).isTrue();

        budget.liveEvents(1_002 * MS);
        assertThat(budget.allows(1_003 * MS)).as("events again: the debt is paid first").isFalse();
    }

    @Test
    void chunksAreSmallWhileEventsFlowAndWholeWhenIdle() {
        LiveFirstBudget budget = new LiveFirstBudget(0.25, 0);
        budget.liveEvents(0);
        assertThat(budget.chunk(999 * MS, 16, 1000)).isEqualTo(16);
        assertThat(budget.chunk(1_000 * MS, 16, 1000)).as("no event for a second").isEqualTo(1000);
        budget.liveEvents(1_200 * MS);
        assertThat(budget.chunk(1_200 * MS, 16, 1000)).isEqualTo(16);
    }

    @Test
    void aShareOutsideZeroToOneIsRefused() {
        assertThatThrownBy(() -> new LiveFirstBudget(0, 0)).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> new LiveFirstBudget(1.5, 0)).hasMessageContaining("(0, 1]");
    }
}
