package io.segflow.segment.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

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

    @Test
    void lateLiveEventsHalveTheShareOncePerIntervalDownToAFloor() {
        LiveFirstBudget budget = new LiveFirstBudget(0.25, 25, 0);
        budget.liveLatency(24, 1 * MS);
        assertThat(budget.share()).as("on time").isEqualTo(0.25);

        budget.liveLatency(40, 2 * MS);
        budget.liveLatency(60, 3 * MS); // the same slow spell, seen by the next round
        assertThat(budget.share()).isEqualTo(0.125);
        budget.liveLatency(40, 102 * MS);
        assertThat(budget.share()).isEqualTo(0.0625);
        for (int i = 2; i < 20; i++) {
            budget.liveLatency(40, i * 100 * MS + 2 * MS);
        }
        assertThat(budget.share()).as("a sixteenth of the configured share at least").isEqualTo(0.25 / 16);
    }

    @Test
    void aLowerShareMakesTheNextChunkWaitLongerAndOnTimeEventsGrowItBack() {
        LiveFirstBudget budget = new LiveFirstBudget(0.25, 25, 0);
        budget.liveEvents(0);
        budget.liveLatency(100, 0);
        budget.spent(10 * MS);
        assertThat(budget.waitNanos(0)).as("10 ms to pay back at an eighth").isBetween(80 * MS, 80 * MS + 2);

        budget.liveEvents(1_000 * MS);
        budget.liveLatency(5, 1_000 * MS);
        assertThat(budget.share()).as("a quarter of the way back after a second on time").isCloseTo(0.125 + 0.0625, within(1e-9));
        budget.liveLatency(5, 5_000 * MS);
        assertThat(budget.share()).as("never above the configured share").isEqualTo(0.25);
    }

    @Test
    void withoutATargetTheShareStaysFixed() {
        LiveFirstBudget budget = new LiveFirstBudget(0.25, 0);
        budget.liveLatency(10_000, 0);
        assertThat(budget.share()).isEqualTo(0.25);
        assertThatThrownBy(() -> new LiveFirstBudget(0.25, -1, 0)).hasMessageContaining("latency target");
    }
}
