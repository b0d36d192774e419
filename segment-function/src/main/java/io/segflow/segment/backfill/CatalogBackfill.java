package io.segflow.segment.backfill;

import io.micrometer.core.instrument.Counter;
import io.opentelemetry.api.trace.Span;
import io.segflow.core.state.UserRecord;
import io.segflow.segment.apply.OwnedPartition;
import io.segflow.segment.apply.OwnedPartition.BackfillProgress;
import io.segflow.segment.apply.PartitionBatch;
import io.segflow.segment.apply.Round;
import io.segflow.segment.apply.UserProcessor;
import io.segflow.segment.catalog.SegmentCatalog;
import io.segflow.segment.publish.ChangeTracing;
import io.segflow.segment.store.PartitionStore;
import java.util.Collection;
import org.jboss.logging.Logger;

/**
 * Re-evaluates every user of the owned partitions against a new segment catalog, one chunk of one partition per
 * round, so that live events wait for at most one chunk. The progress is stored with the chunk's users, so a new
 * owner goes on from there.
 */
public final class CatalogBackfill {
    private static final Logger LOG = Logger.getLogger(CatalogBackfill.class);

    private final PartitionStore store;
    private final UserProcessor processor;
    private final ChangeTracing tracing;
    private final Counter backfilled;
    private final int chunk;

    public CatalogBackfill(PartitionStore store, UserProcessor processor, ChangeTracing tracing, Counter backfilled, int chunk) {
        this.store = store;
        this.processor = processor;
        this.tracing = tracing;
        this.backfilled = backfilled;
        this.chunk = chunk;
    }

    /** Whether some owned partition has not gone over all its users for the catalog's revision. */
    public static boolean pending(SegmentCatalog.Current current, Collection<OwnedPartition> owned) {
        long revision = current.index().revision();
        if (revision <= 0) {
            return false;
        }
        for (OwnedPartition partition : owned) {
            if (!partition.backfill().done(revision) || partition.history().pendingReplay() != null) {
                return true;
            }
        }
        return false;
    }

    /** One chunk of the first partition not done yet. */
    public void run(Round round, Collection<OwnedPartition> owned) {
        long revision = round.catalog.index().revision();
        if (revision <= 0) {
            return;
        }
        for (OwnedPartition partition : owned) {
            BackfillProgress progress = partition.backfill();
            if (progress.done(revision) || round.history(partition.partition()).pendingReplay() != null) {
                continue; // done, or waiting for the replay of the properties its segments read
            }
            PartitionStore.ScanStep step = store.scanUsers(partition.partition(), progress.cursorFor(revision), chunk);
            round.loadForPass(partition.partition(), step.users());
            PartitionBatch batch = round.batch(partition.partition());
            Span span = step.users().isEmpty() ? Span.getInvalid() : tracing.startTimeFlips(step.users().size());
            round.spans.add(span);
            for (String user : step.users()) {
                UserRecord record = round.record(batch, user);
                if (round.created.contains(user)) {
                    continue; // listed, but erased meanwhile
                }
                if (processor.onBackfill(batch, record, round.catalogOf(partition.partition()), round.now, span)) {
                    backfilled.increment();
                }
            }
            String next = "0".equals(step.nextCursor()) ? BackfillProgress.DONE : step.nextCursor();
            batch.backfillProgress(new BackfillProgress(revision, next).encode());
            if (next.equals(BackfillProgress.DONE)) {
                LOG.infof("Backfill of segment catalog revision %d done for partition %d", revision, partition.partition());
            }
            return;
        }
    }
}
