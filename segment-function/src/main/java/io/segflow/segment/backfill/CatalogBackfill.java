package io.segflow.segment.backfill;

import io.micrometer.core.instrument.Counter;
import io.opentelemetry.api.trace.Span;
import io.segflow.core.history.PartitionHistory;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Re-evaluates every user of the owned partitions against a new segment catalog, one chunk of one partition per
 * round, so that live events wait for at most one chunk. The progress is stored with the chunk's users, so a new
 * owner goes on from there.
 *
 * <p>A chunk waits on no read of its own: an earlier round trip lists its users (SSCAN), and its own round's round
 * trip, which stores the last round and reads the round's users, reads their records too. A chunk listed only by
 * its own round's round trip waits for the next round; one reads for itself only when no round trip listed it (the
 * catalog changed in its round's, say).
 */
public final class CatalogBackfill {
    private static final Logger LOG = Logger.getLogger(CatalogBackfill.class);

    private final PartitionStore store;
    private final UserProcessor processor;
    private final ChangeTracing tracing;
    private final Counter backfilled;
    private final Counter chunksReadAhead;
    private final Counter chunksReadThemselves;
    private final int chunk;
    /** SSCAN steps listed ahead of their chunk, by where they start (a few at most: this chunk's and the next). */
    private final Map<ScanStart, PartitionStore.ScanStep> listed = new HashMap<>();
    /** Where the last chunk took its partition, from where: its round is stored after the next round's plan. */
    private Advance advanced;

    private record ScanStart(int partition, long revision, String cursor) {
    }

    private record Advance(int partition, long revision, String from, String to) {
    }

    /**
     * What a round's round trip reads for the backfill of a partition: a chunk's users (none when the round takes no
     * chunk or they are not listed yet), and the SSCAN step that lists a later chunk (null: none needed).
     */
    public record ReadAhead(int partition, long revision, List<String> users, PartitionStore.ScanAhead scan) {
    }

    public CatalogBackfill(PartitionStore store, UserProcessor processor, ChangeTracing tracing, Counter backfilled,
                           Counter chunksReadAhead, Counter chunksReadThemselves, int chunk) {
        this.store = store;
        this.processor = processor;
        this.tracing = tracing;
        this.backfilled = backfilled;
        this.chunksReadAhead = chunksReadAhead;
        this.chunksReadThemselves = chunksReadThemselves;
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

    /**
     * What a round's round trip should read for the backfill of the catalog at {@code revision} (null: no partition
     * has a chunk left): the listing of the chunk after the next, and, if the round takes a chunk ({@code chunkDue}),
     * the records of its users when they are listed already. A listing keeps; records only serve the round that read
     * them (its chunk sees them as of the store before it).
     */
    public ReadAhead readAhead(long revision, Collection<OwnedPartition> owned, boolean chunkDue) {
        ScanStart start = nextChunk(owned, revision, OwnedPartition::history);
        if (start == null) {
            return null;
        }
        PartitionStore.ScanStep step = listed.get(start);
        if (step == null) {
            return new ReadAhead(start.partition(), revision, List.of(),
                    new PartitionStore.ScanAhead(start.partition(), start.cursor(), chunk));
        }
        boolean listedAlready = "0".equals(step.nextCursor())
                || listed.containsKey(new ScanStart(start.partition(), revision, step.nextCursor()));
        return new ReadAhead(start.partition(), revision, chunkDue ? step.users() : List.of(),
                listedAlready ? null : new PartitionStore.ScanAhead(start.partition(), step.nextCursor(), chunk));
    }

    /** What the round trip read of {@code plan}'s listing ({@code scanned}: null when it asked for none). */
    public void listed(ReadAhead plan, PartitionStore.ScanStep scanned) {
        if (plan != null && plan.scan() != null && scanned != null) {
            listed.put(new ScanStart(plan.partition(), plan.revision(), plan.scan().cursor()), scanned);
        }
    }

    /**
     * The partition whose backfill of {@code revision} goes on next, and the cursor it goes on from (null: no owned
     * partition has a chunk left, or the ones left wait for the replay of the properties their segments read, as
     * {@code historyOf} gives a partition's history: a round's own replay plans count for its chunk).
     */
    private ScanStart nextChunk(Collection<OwnedPartition> owned, long revision,
                                Function<OwnedPartition, PartitionHistory> historyOf) {
        if (revision <= 0) {
            return null;
        }
        for (OwnedPartition partition : owned) {
            String cursor = cursorOf(partition, revision);
            if (!BackfillProgress.DONE.equals(cursor) && historyOf.apply(partition).pendingReplay() == null) {
                return new ScanStart(partition.partition(), revision, cursor);
            }
        }
        return null;
    }

    /** Where the backfill of a partition goes on from: where the last chunk took it, stored yet or not. */
    private String cursorOf(OwnedPartition partition, long revision) {
        BackfillProgress stored = partition.backfill();
        if (stored.done(revision)) {
            return BackfillProgress.DONE;
        }
        String cursor = stored.cursorFor(revision);
        boolean notStoredYet = advanced != null && advanced.partition() == partition.partition()
                && advanced.revision() == revision && advanced.from().equals(cursor);
        return notStoredYet ? advanced.to() : cursor;
    }

    /**
     * The round of the last chunk will not be stored (its round was dropped): the backfill goes on from the progress
     * Redis holds, so that chunk is run again.
     */
    public void forgetUnstored() {
        advanced = null;
    }

    /**
     * Another instance claimed the partition: a chunk of it not stored yet is forgotten, so that if the partition comes
     * back, its backfill goes on from what Redis holds.
     */
    public void lost(int partition) {
        if (advanced != null && advanced.partition() == partition) {
            advanced = null;
        }
    }

    /** One chunk of the first partition not done yet; {@code readAhead}: what the round trip read (may be null). */
    public void run(Round round, Collection<OwnedPartition> owned, PartitionStore.Loaded readAhead) {
        long revision = round.catalog.index().revision();
        ScanStart start = nextChunk(owned, revision, partition -> round.history(partition.partition()));
        if (start == null) {
            return;
        }
        PartitionStore.ScanStep step = listed.get(start);
        if (step != null && readAhead != null && step == readAhead.scanned()) {
            return; // listed by this round's round trip: its users' records come with the next round's
        }
        listed.remove(start);
        listed.keySet().removeIf(other -> other.partition() != start.partition() || other.revision() != revision);
        boolean listedAhead = step != null;
        if (step == null) {
            step = store.scanUsers(start.partition(), start.cursor(), chunk);
        }
        boolean recordsReadAhead = round.loadForPass(start.partition(), step.users(), readAhead);
        (listedAhead && recordsReadAhead ? chunksReadAhead : chunksReadThemselves).increment();
        PartitionBatch batch = round.batch(start.partition());
        Span span = step.users().isEmpty() ? Span.getInvalid() : tracing.startTimeFlips(step.users().size());
        round.spans.add(span);
        for (String user : step.users()) {
            UserRecord record = round.record(batch, user);
            if (round.created.contains(user)) {
                continue; // listed, but erased meanwhile
            }
            if (processor.onBackfill(batch, record, round.catalogOf(start.partition()), round.now, span)) {
                backfilled.increment();
            }
        }
        String next = "0".equals(step.nextCursor()) ? BackfillProgress.DONE : step.nextCursor();
        batch.backfillProgress(new BackfillProgress(revision, next).encode());
        advanced = new Advance(start.partition(), revision, start.cursor(), next);
        if (next.equals(BackfillProgress.DONE)) {
            LOG.infof("Backfill of segment catalog revision %d done for partition %d", revision, start.partition());
        }
    }
}
