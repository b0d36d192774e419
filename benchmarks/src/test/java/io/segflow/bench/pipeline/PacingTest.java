package io.segflow.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class PacingTest {
    private static final long TICK = Pacing.TICK_NANOS;

    @Test
    void anEventDueOrLateGoesAtOnce() {
        assertThat(Pacing.parkNanos(5_000, 5_000)).isZero();
        assertThat(Pacing.parkNanos(5_000, 9_000_000)).isZero();
    }

    @Test
    void anEventDueWithinATickWaitsAWholeTick() {
        assertThat(Pacing.parkNanos(1_000 + 1, 1_000)).isEqualTo(TICK);
        assertThat(Pacing.parkNanos(1_000 + TICK - 1, 1_000)).isEqualTo(TICK);
    }

    @Test
    void anEventDueLaterWaitsUntilItIsDue() {
        assertThat(Pacing.parkNanos(1_000 + TICK, 1_000)).isEqualTo(TICK);
        assertThat(Pacing.parkNanos(1_000 + 7 * TICK + 3, 1_000)).isEqualTo(7 * TICK + 3);
    }

    /**
     * Five thousand events a second, sent as {@link Pacing#awaitDue} would on a clock that moves only when parked (and
     * wakes {@code overshoot} late): each goes out once due and at most a tick (plus the overshoot) after, and the
     * sender wakes about once a tick, not once an event.
     */
    @Test
    void eventsAtFiveThousandASecondGoOutInTicksNeverEarlyAndAtMostATickLate() {
        for (long overshoot : new long[] {0, 50_000, 400_000}) {
            long interval = 1_000_000_000L / 5_000;
            long start = 123_456_789;
            long now = start;
            long wakeUps = 0;
            long latest = 0;
            for (long n = 0; n < 5_000; n++) {
                long intended = start + n * interval;
                long park = Pacing.parkNanos(intended, now);
                if (park > 0) {
                    now += park + overshoot;
                    wakeUps++;
                }
                assertThat(now).as("event %d", n).isGreaterThanOrEqualTo(intended);
                latest = Math.max(latest, now - intended);
            }
            assertThat(latest).as("overshoot %d", overshoot).isLessThanOrEqualTo(TICK + overshoot);
            assertThat(wakeUps).as("overshoot %d", overshoot).isBetween(1_000_000_000L / (TICK + overshoot) - 1, 1_000L);
        }
    }

    /** A park that returns early (a spurious wake-up, here an unpark) does not send the event before its time. */
    @Test
    void aSenderWokenEarlyWaitsAgainUntilTheEventIsDue() throws InterruptedException {
        long intended = System.nanoTime() + 50 * TICK;
        AtomicLong sentAt = new AtomicLong();
        Thread sender = new Thread(() -> {
            Pacing.awaitDue(intended);
            sentAt.set(System.nanoTime());
        });
        sender.start();
        while (sender.isAlive()) {
            LockSupport.unpark(sender);
            Thread.sleep(1);
        }
        assertThat(sentAt.get()).isGreaterThanOrEqualTo(intended);
    }
}
