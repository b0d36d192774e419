package io.segflow.api.segments;

import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.core.history.PartitionHistory;
import io.segflow.core.history.PartitionHistory.KeptProperty;
import io.segflow.core.history.PartitionHistory.Replay;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.rules.Reads;
import io.segflow.core.rules.Reads.PropertyRef;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How far segment-function's backfill of the current catalog revision went, for one segment. Each partition's owner
 * first replays the event log for event properties the catalog newly needs (a windowed sum no earlier segment read),
 * then re-evaluates its users and records {@code "<revision> done"} in the partition's state. A segment saved at this
 * revision or before is answered from every user's stored profile once all partitions are done; from the events since
 * {@code historyStart} only when a replay found the log shorter than the segment's window.
 */
@ApplicationScoped
public class BackfillStatus {

    /**
     * {@code pending} before any owner started, {@code running}, {@code complete}, or {@code partial} (complete, but
     * the log held the segment's property events since {@code historyStart} only).
     *
     * @param eventsToReplay events the partitions still have to read again for the segment's properties
     */
    public record State(String state, long revision, int partitionsDone, int partitions, long eventsToReplay, Instant historyStart) {
    }

    /** Every partition's backfill progress and history, read once for a listing of many segments. */
    public record Snapshot(long revision, List<String> progress, List<PartitionHistory> histories) {
    }

    private final RedisDataSource redis;

    BackfillStatus(RedisDataSource redis) {
        this.redis = redis;
    }

    public Snapshot snapshot() {
        long revision = number(redis.value(String.class).get(RedisKeys.SEGMENTS_REVISION));
        int partitions = (int) number(redis.value(String.class).get(RedisKeys.EVENT_PARTITIONS));
        List<String> progress = new ArrayList<>(partitions);
        List<PartitionHistory> histories = new ArrayList<>(partitions);
        for (int partition = 0; partition < partitions; partition++) {
            var fields = redis.hash(String.class).hmget(RedisKeys.partitionState(partition), RedisKeys.BACKFILL_FIELD, RedisKeys.HISTORY_FIELD);
            progress.add(fields.get(RedisKeys.BACKFILL_FIELD));
            histories.add(readable(fields.get(RedisKeys.HISTORY_FIELD)));
        }
        return new Snapshot(revision, progress, histories);
    }

    /** The state for a segment whose condition reads {@code reads}. */
    public static State of(Snapshot snapshot, Reads reads) {
        int partitions = snapshot.progress().size();
        if (partitions == 0) {
            return new State("pending", snapshot.revision(), 0, 0, 0, null);
        }
        Set<PropertyRef> refs = new HashSet<>(reads.lastValues());
        reads.propertyAggregates().forEach(aggregate -> refs.add(new PropertyRef(aggregate.event(), aggregate.property())));
        int done = 0;
        long toReplay = 0;
        long historyStart = 0;
        for (int partition = 0; partition < partitions; partition++) {
            if (done(snapshot.progress().get(partition), snapshot.revision())) {
                done++;
            }
            PartitionHistory history = snapshot.histories().get(partition);
            for (Replay replay : history.replays()) {
                if (replay.refs().stream().anyMatch(refs::contains)) {
                    toReplay += replay.to() - replay.next();
                }
            }
            for (KeptProperty property : history.kept()) {
                if (refs.contains(property.ref())) {
                    historyStart = Math.max(historyStart, property.historyStart());
                }
            }
        }
        Instant start = historyStart > 0 ? Instant.ofEpochMilli(historyStart) : null;
        String state = done < partitions || toReplay > 0 ? "running" : start != null ? "partial" : "complete";
        return new State(state, snapshot.revision(), done, partitions, toReplay, start);
    }

    /** Progress is {@code "<revision> <SSCAN cursor>"} or {@code "<revision> done"} (see docs/contracts.md). */
    static boolean done(String progress, long revision) {
        if (progress == null) {
            return revision == 0;
        }
        String[] parts = progress.split(" ", 2);
        return parts.length == 2 && "done".equals(parts[1]) && number(parts[0]) >= revision;
    }

    /** A history this version cannot read says nothing about replays: the backfill progress still answers. */
    private static PartitionHistory readable(String stored) {
        try {
            return PartitionHistory.decode(stored);
        } catch (RuntimeException e) {
            return PartitionHistory.NONE;
        }
    }

    private static long number(String text) {
        try {
            return text == null ? 0 : Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
