package io.segflow.api.segments;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.engine.AggregateShape;
import io.segflow.core.history.PartitionHistory;
import io.segflow.core.history.PartitionHistory.KeptProperty;
import io.segflow.core.history.PartitionHistory.Replay;
import io.segflow.core.rules.Reads;
import io.segflow.core.rules.Reads.PropertyRef;
import io.segflow.core.rules.RuleCompiler;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A segment's backfill state from the partitions' progress and histories: running, partial or complete. */
class BackfillStatusTest {
    private static final RuleCompiler COMPILER = new RuleCompiler();
    private static final AggregateShape SUM_30D = new AggregateShape(false, false, 1, Map.of());
    private static final Reads SPENDERS = COMPILER.compile("sum(\"Order Completed\", \"revenue\", \"30d\") > 100.0").reads();
    private static final Reads PRO = COMPILER.compile("\"plan\" in traits && traits.plan == \"pro\"").reads();
    private static final PropertyRef REVENUE = new PropertyRef("Order Completed", "revenue");

    @Test
    void aSegmentWhosePropertiesAreBeingReplayedIsRunningWithTheEventsLeft() {
        PartitionHistory replaying = new PartitionHistory(7, List.of(kept(0)),
                List.of(new Replay(7, List.of(REVENUE), 100, 600, 350, 0)));
        BackfillStatus.Snapshot snapshot = snapshot(7, List.of("6 done", "7 done"), replaying, PartitionHistory.NONE);

        BackfillStatus.State spenders = BackfillStatus.of(snapshot, SPENDERS);
        BackfillStatus.State pro = BackfillStatus.of(snapshot, PRO);

        assertThat(spenders.state()).isEqualTo("running");
        assertThat(spenders.eventsToReplay()).isEqualTo(250);
        assertThat(spenders.partitionsDone()).isEqualTo(1);
        assertThat(pro.eventsToReplay()).isZero();
    }

    @Test
    void aReplayThatFoundTheLogShorterThanTheWindowLeavesItsSegmentsPartialAndNoOther() {
        long start = Instant.parse("2026-11-20T00:00:00Z").toEpochMilli();
        BackfillStatus.Snapshot snapshot = snapshot(7, List.of("7 done", "7 done"),
                new PartitionHistory(7, List.of(kept(start)), List.of()), new PartitionHistory(7, List.of(kept(0)), List.of()));

        BackfillStatus.State spenders = BackfillStatus.of(snapshot, SPENDERS);

        assertThat(spenders.state()).isEqualTo("partial");
        assertThat(spenders.historyStart()).isEqualTo(Instant.ofEpochMilli(start));
        assertThat(BackfillStatus.of(snapshot, PRO).state()).isEqualTo("complete");
        assertThat(BackfillStatus.of(snapshot, PRO).historyStart()).isNull();
    }

    @Test
    void withoutPartitionsNothingStartedYet() {
        assertThat(BackfillStatus.of(new BackfillStatus.Snapshot(3, List.of(), List.of()), SPENDERS).state()).isEqualTo("pending");
    }

    private static KeptProperty kept(long historyStart) {
        return new KeptProperty(REVENUE.event(), REVENUE.property(), SUM_30D, 7, historyStart);
    }

    private static BackfillStatus.Snapshot snapshot(long revision, List<String> progress, PartitionHistory... histories) {
        return new BackfillStatus.Snapshot(revision, progress, Arrays.asList(histories));
    }
}
