package io.segflow.segment.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.segment.consume.SlowRounds.Step;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SlowRoundsTest {
    private static final long MS = 1_000_000L;

    @Test
    void aRoundOverTheThresholdIsLoggedWithTheTimeOfEachStep() {
        SlowRounds rounds = new SlowRounds(Duration.ofMillis(50));
        long t = 1_000 * MS;
        rounds.polled(t, 40 * MS);
        rounds.ended(Step.RECORDS, t += 2 * MS);
        rounds.ended(Step.ROUND_TRIP, t += 73 * MS);
        rounds.ended(Step.EVENTS, t += 13 * MS);
        rounds.ended(Step.SEAL, t += 5 * MS); // no wakes, no backfill this round

        assertThat(rounds.roundEnded(t, 442, 1, 2)).isEqualTo("A round took 93.0 ms after its poll (40.0 ms): records 2.0, store and reads 73.0, events 13.0,"
                + " wakes 0.0, backfill 0.0, seal 5.0 ms; 442 records polled; catalog revision 1 -> 2");
    }

    @Test
    void aRoundWithinTheThresholdOrWithItOffIsNotLogged() {
        SlowRounds rounds = new SlowRounds(Duration.ofMillis(50));
        rounds.polled(0, 0);
        rounds.ended(Step.ROUND_TRIP, 50 * MS);
        assertThat(rounds.roundEnded(50 * MS, 10, 3, 3)).as("50 ms is not over 50 ms").isNull();

        SlowRounds off = new SlowRounds(Duration.ZERO);
        off.polled(0, 0);
        off.ended(Step.ROUND_TRIP, 500 * MS);
        assertThat(off.roundEnded(500 * MS, 10, 3, 3)).isNull();
    }

    @Test
    void theRoundsOfOneSpikeAreAllLoggedThenOneLineASecondCountingThoseLeftOut() {
        SlowRounds rounds = new SlowRounds(Duration.ofMillis(10));
        long t = 0;
        for (int i = 0; i < SlowRounds.BURST; i++) {
            assertThat(slowRound(rounds, t += 30 * MS)).as("slow round %d of a spike", i + 1)
                    .startsWith("A round took 20.0 ms after its poll (100.0 ms):").doesNotContain("more slow rounds");
        }
        assertThat(slowRound(rounds, t += 30 * MS)).as("one more than a spike's lines, 30 ms later").isNull();
        assertThat(slowRound(rounds, t += 30 * MS)).isNull();
        assertThat(slowRound(rounds, t + SlowRounds.LOG_INTERVAL_NANOS)).as("a second later")
                .endsWith("; 2 more slow rounds since the last line");
    }

    @Test
    void eachRoundStartsItsStepsFromNothing() {
        SlowRounds rounds = new SlowRounds(Duration.ofMillis(10));
        slowRound(rounds, 0);
        long t = 5 * SlowRounds.LOG_INTERVAL_NANOS;
        rounds.polled(t, 0);
        rounds.ended(Step.EVENTS, t += 30 * MS);
        assertThat(rounds.roundEnded(t, 5, 4, 4)).contains("store and reads 0.0, events 30.0,").doesNotContain("catalog revision");
    }

    /** A round whose poll returned at {@code startNanos} after 100 ms and whose store and reads took 20 ms. */
    private static String slowRound(SlowRounds rounds, long startNanos) {
        rounds.polled(startNanos, 100 * MS);
        rounds.ended(Step.ROUND_TRIP, startNanos + 20 * MS);
        return rounds.roundEnded(startNanos + 20 * MS, 1, 1, 1);
    }
}
