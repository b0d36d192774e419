package io.segflow.segment.apply;

import io.opentelemetry.api.trace.Span;
import io.segflow.core.history.PartitionHistory;
import io.segflow.core.state.PendingRecord;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one round of the loop decided for one owned partition, stored by one fenced transaction: the users changed or
 * erased, their wakes, the users registered for backfills, the change records to publish, and how far the
 * partition's events and backfill got. A user appears once, however many of its events the round held.
 */
public final class PartitionBatch {

    /** A change record to publish, keyed by user, with the span of what caused it. */
    public record Change(String userId, String segmentId, boolean entered, long atMillis, String json, Span cause) {
    }

    private final int partition;
    private final int recordFormat;
    final Map<String, UserRecord> written = new LinkedHashMap<>();
    final Set<String> erased = new LinkedHashSet<>();
    final Map<String, Long> wakes = new LinkedHashMap<>();
    final Set<String> wakesRemoved = new LinkedHashSet<>();
    final Set<String> registered = new LinkedHashSet<>();
    final Set<String> unregistered = new LinkedHashSet<>();
    final List<Change> changes = new ArrayList<>();
    final List<PendingRecord> sends = new ArrayList<>();
    private long nextOffset = -1;
    private String backfillProgress;
    private PartitionHistory history;
    private Map<String, byte[]> encoded;

    /** A batch whose users are written in the current record format. */
    public PartitionBatch(int partition) {
        this(partition, UserRecordCodec.FORMAT);
    }

    /** @param recordFormat the format its users are written in ({@code segflow.engine.record-format}) */
    public PartitionBatch(int partition, int recordFormat) {
        this.partition = partition;
        this.recordFormat = recordFormat;
    }

    public int partition() {
        return partition;
    }

    void write(UserRecord record) {
        encoded = null;
        erased.remove(record.userId());
        written.put(record.userId(), record);
    }

    void erase(String userId) {
        encoded = null;
        written.remove(userId);
        registered.remove(userId);
        wakes.remove(userId);
        erased.add(userId);
        wakesRemoved.add(userId);
    }

    public void wake(String userId, long at) {
        wakesRemoved.remove(userId);
        wakes.put(userId, at);
    }

    public void removeWake(String userId) {
        wakes.remove(userId);
        wakesRemoved.add(userId);
    }

    void register(String userId) {
        unregistered.remove(userId);
        registered.add(userId);
    }

    /** The user stays stored but leaves the registry backfills scan (an id merged into another: a forward). */
    void unregister(String userId) {
        registered.remove(userId);
        unregistered.add(userId);
    }

    public void change(Change change) {
        changes.add(change);
    }

    /** A record for segflow.events (an identity step): stored with the batch, published after it like a change. */
    public void send(PendingRecord record) {
        sends.add(record);
    }

    /** The next offset of the partition once this batch is stored: its events are accounted for. */
    public void consumedUpTo(long nextOffset) {
        this.nextOffset = nextOffset;
    }

    public void backfillProgress(String progress) {
        this.backfillProgress = progress;
    }

    /** The partition's history after this batch (see {@link PartitionHistory}): stored with its users. */
    public void history(PartitionHistory history) {
        this.history = history;
    }

    public PartitionHistory history() {
        return history;
    }

    public long nextOffset() {
        return nextOffset;
    }

    public String backfillProgress() {
        return backfillProgress;
    }

    public Map<String, UserRecord> written() {
        return written;
    }

    /**
     * The written users' records as stored, encoded once the round is done with them (the first call after the last
     * write): what the flush writes and the cache keeps.
     */
    public Map<String, byte[]> encoded() {
        if (encoded == null) {
            encoded = new LinkedHashMap<>(written.size() * 2);
            written.forEach((user, record) -> encoded.put(user, encode(record)));
        }
        return encoded;
    }

    /** A user's record in the batch's format: what its flush writes, and what a merge sends. */
    byte[] encode(UserRecord record) {
        return UserRecordCodec.encode(record, recordFormat);
    }

    public Set<String> erased() {
        return erased;
    }

    public Map<String, Long> wakes() {
        return wakes;
    }

    public Set<String> wakesRemoved() {
        return wakesRemoved;
    }

    public Set<String> registered() {
        return registered;
    }

    /** Users that leave the registry: the erased ones and those {@link #unregister}ed. */
    public Set<String> unregistered() {
        Set<String> leaving = new LinkedHashSet<>(erased);
        leaving.addAll(unregistered);
        return leaving;
    }

    public List<Change> changes() {
        return changes;
    }

    public List<PendingRecord> sends() {
        return sends;
    }

    /** Records the flush appends to the partition's pending list: the change records, then the identity steps. */
    public int pendingRecords() {
        return changes.size() + sends.size();
    }

    public boolean isEmpty() {
        return written.isEmpty() && erased.isEmpty() && wakes.isEmpty() && wakesRemoved.isEmpty() && registered.isEmpty() && unregistered.isEmpty()
                && changes.isEmpty() && sends.isEmpty() && nextOffset < 0 && backfillProgress == null && history == null;
    }
}
