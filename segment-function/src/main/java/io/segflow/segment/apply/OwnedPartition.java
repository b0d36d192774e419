package io.segflow.segment.apply;

import io.segflow.core.history.PartitionHistory;

/**
 * A partition of {@code segflow.events} this instance owns: the epoch its claim got (a flush with another epoch is
 * refused, so a previous owner that stalled cannot overwrite), how far its stored state accounts for the events,
 * the backfill's progress, its history of event properties, how many flushes its state took (each flush checks that
 * Redis still holds them all), and how many entries of its pending list (one per flush that stored records) Kafka
 * acknowledged since the last flush (trimmed by the next one).
 */
public final class OwnedPartition {
    private final int partition;
    private final String epoch;
    private long nextOffset;
    private BackfillProgress backfill;
    private PartitionHistory history;
    private long flushes;
    private int acknowledged;
    private long lastFlushNanos = System.nanoTime();

    /** A partition without events is flushed only to trim its acknowledged entries this often, or past this many. */
    private static final long TRIM_INTERVAL_NANOS = 1_000_000_000L;
    private static final int TRIM_ENTRIES = 1_000;

    public OwnedPartition(int partition, String epoch, long nextOffset, BackfillProgress backfill, PartitionHistory history,
                          long flushes, int acknowledged) {
        this.partition = partition;
        this.epoch = epoch;
        this.nextOffset = nextOffset;
        this.backfill = backfill;
        this.history = history;
        this.flushes = flushes;
        this.acknowledged = acknowledged;
    }

    public int partition() {
        return partition;
    }

    public String epoch() {
        return epoch;
    }

    public long nextOffset() {
        return nextOffset;
    }

    public BackfillProgress backfill() {
        return backfill;
    }

    /** What the partition's profiles keep of event properties, and its replays not finished (as stored). */
    public PartitionHistory history() {
        return history;
    }

    /** The flushes the partition's state took, as this owner stored them. */
    public long flushes() {
        return flushes;
    }

    public int acknowledged() {
        return acknowledged;
    }

    /** After a flush was stored: it trimmed {@code flushedAcknowledged} entries from the pending list. */
    public void stored(PartitionBatch batch, int flushedAcknowledged) {
        if (batch.nextOffset() >= 0) {
            nextOffset = batch.nextOffset();
        }
        if (batch.backfillProgress() != null) {
            backfill = BackfillProgress.parse(batch.backfillProgress());
        }
        if (batch.history() != null) {
            history = batch.history();
        }
        acknowledged -= flushedAcknowledged;
        flushes++;
        lastFlushNanos = System.nanoTime();
    }

    /** Whether the partition needs a flush of its own to trim acknowledged entries (no events to carry it). */
    public boolean trimDue(long nowNanos) {
        return acknowledged > 0 && (acknowledged >= TRIM_ENTRIES || nowNanos - lastFlushNanos >= TRIM_INTERVAL_NANOS);
    }

    /** After Kafka acknowledged the records of {@code entries} more entries of the pending list: the next flush trims them. */
    public void published(int entries) {
        acknowledged += entries;
    }

    /** How far the backfill of a catalog revision went through a partition's users: an SSCAN cursor, or done. */
    public record BackfillProgress(long revision, String cursor) {
        public static final String DONE = "done";
        public static final BackfillProgress NONE = new BackfillProgress(0, DONE);

        public boolean done(long currentRevision) {
            return revision == currentRevision && DONE.equals(cursor);
        }

        /** Where the backfill of {@code currentRevision} goes on from: the start for a revision not begun yet. */
        public String cursorFor(long currentRevision) {
            return revision == currentRevision ? cursor : "0";
        }

        public String encode() {
            return revision + " " + cursor;
        }

        public static BackfillProgress parse(String stored) {
            if (stored == null || stored.isEmpty()) {
                return NONE;
            }
            int space = stored.indexOf(' ');
            return new BackfillProgress(Long.parseLong(stored.substring(0, space)), stored.substring(space + 1));
        }
    }
}
