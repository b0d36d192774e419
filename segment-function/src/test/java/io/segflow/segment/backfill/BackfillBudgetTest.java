package io.segflow.segment.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BackfillBudgetTest {
    private static final long MS = 1_000_000L;

    @Test
    void whileEventsFlowAChunkIsPaidBackAtTheShareOfWallClockTime() {
        BackfillBudget budget = new BackfillBudget(0.25, 0);
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
        BackfillBudget budget = new BackfillBudget(0.25, 0);
        budget.liveEvents(0);
        budget.liveEvents(900 * MS); // events all along, no backfill for 900 ms: 225 ms would be saved without a cap
        assertThat(budget.allows(900 * MS)).isTrue();

        budget.spent(BackfillBudget.MAX_SAVED_NANOS + 5 * MS);

        assertThat(budget.allows(900 * MS)).isFalse();
        assertThat(budget.waitNanos(900 * MS)).as("5 ms to pay back at a quarter").isBetween(20 * MS, 20 * MS + 2);
    }

    @Test
    void anIdleEngineBackfillsAtFullSpeed() {
        BackfillBudget budget = new BackfillBudget(0.25, 0);
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
    void aShareOutsideZeroToOneIsRefused() {
        assertThatThrownBy(() -> new BackfillBudget(0, 0)).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> new BackfillBudget(1.5, 0)).hasMessageContaining("(0, 1]");
    }
}
