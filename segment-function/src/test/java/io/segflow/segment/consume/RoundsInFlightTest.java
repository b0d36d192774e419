package io.segflow.segment.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segflow.core.history.PartitionHistory;
import io.segflow.segment.apply.OwnedPartition;
import io.segflow.segment.apply.OwnedPartition.BackfillProgress;
import io.segflow.segment.publish.ChangePublisher;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoundsInFlightTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Counter published = registry.counter("published");
    private final RoundsInFlight rounds = new RoundsInFlight(Duration.ofSeconds(1), registry.timer("publish"), published);
    private final OwnedPartition partition = new OwnedPartition(0, "epoch", 0, BackfillProgress.NONE, PartitionHistory.NONE, 0, 0);

    @Test
    void onlyTheAcknowledgedRoundsAtTheHeadAreSettledSoThatATrimIsAPrefix() {
        Acks first = new Acks(true);
        Acks second = new Acks(false);
        Acks third = new Acks(true);
        rounds.add(first, Map.of(partition, 1), 10);
        rounds.add(second, Map.of(partition, 1), 20);
        rounds.add(third, Map.of(partition, 1), 30);

        rounds.settle(false, p -> true);

        assertThat(rounds.size()).as("the third waits behind the second, acknowledged or not").isEqualTo(2);
        assertThat(partition.acknowledged()).as("the entries the next flush may trim").isEqualTo(1);
        assertThat(published.count()).isEqualTo(10);
        assertThat(second.awaited).isZero();
    }

    @Test
    void withTheMostRoundsOnTheirWayTheOldestIsAwaited() {
        Acks oldest = new Acks(false);
        rounds.add(oldest, Map.of(partition, 1), 1);
        for (int i = 1; i < RoundsInFlight.MAX_ROUNDS; i++) {
            rounds.add(new Acks(false), Map.of(partition, 1), 1);
        }

        rounds.settle(false, p -> true);

        assertThat(oldest.awaited).isEqualTo(1);
        assertThat(rounds.size()).isEqualTo(RoundsInFlight.MAX_ROUNDS - 1);
    }

    @Test
    void settlingAllAwaitsEveryRoundButTrimsOnlyForPartitionsStillOwned() {
        OwnedPartition claimedAgain = new OwnedPartition(1, "epoch", 0, BackfillProgress.NONE, PartitionHistory.NONE, 0, 0);
        Acks first = new Acks(false);
        Acks second = new Acks(false);
        rounds.add(first, Map.of(partition, 1, claimedAgain, 1), 5);
        rounds.add(second, Map.of(partition, 1), 5);

        rounds.settle(true, p -> p == partition);

        assertThat(rounds.size()).isZero();
        assertThat(first.awaited + second.awaited).isEqualTo(2);
        assertThat(partition.acknowledged()).isEqualTo(2);
        assertThat(claimedAgain.acknowledged()).as("its new owner trims what it published itself").isZero();
    }

    @Test
    void aFailedSendFailsTheRoundThatSettlesIt() {
        rounds.add(new Acks(true) {
            @Override
            public void await(Duration timeout) {
                throw new IllegalStateException("the broker refused a record");
            }
        }, Map.of(partition, 1), 1);

        assertThatThrownBy(() -> rounds.settle(false, p -> true)).hasMessageContaining("refused");
        assertThat(partition.acknowledged()).isZero();
    }

    /** Acks that are done from the start, or once awaited. */
    private static class Acks implements ChangePublisher.Pending {
        private boolean done;
        int awaited;

        Acks(boolean done) {
            this.done = done;
        }

        @Override
        public void await(Duration timeout) {
            awaited++;
            done = true;
        }

        @Override
        public boolean done() {
            return done;
        }
    }
}
