package io.segflow.segment.apply;

import io.opentelemetry.api.trace.Span;
import io.segflow.core.engine.SegmentEngine;
import io.segflow.core.event.Event;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.membership.Memberships;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.membership.SegmentChangeJson;
import io.segflow.core.state.UserRecord;
import io.segflow.segment.catalog.SegmentCatalog;
import io.segflow.segment.schedule.WakeTraces;
import java.time.Instant;
import java.util.List;

/**
 * One user through the engine, in memory: an event, a due wake, a backfill or an erasure updates its record and
 * adds what must be stored and published to the partition's batch. Pure computation; the loop does the I/O.
 */
public final class UserProcessor {

    /** Counts what the processing saw, for metrics. */
    public interface Listener {
        void duplicate();

        void evaluationError(String condition, String user, Exception error);
    }

    private final SegmentEngine engine;
    private final long dedupWindowMillis;
    private final Listener listener;
    private final WakeTraces wakeTraces;

    /** Without links from time flips to what scheduled them. */
    public UserProcessor(long dedupWindowMillis, Listener listener) {
        this(dedupWindowMillis, listener, new WakeTraces(0));
    }

    public UserProcessor(long dedupWindowMillis, Listener listener, WakeTraces wakeTraces) {
        this.dedupWindowMillis = dedupWindowMillis;
        this.listener = listener;
        this.wakeTraces = wakeTraces;
        this.engine = new SegmentEngine((condition, user, error) -> listener.evaluationError(condition.source(), user, error));
    }

    /**
     * Applies one event and evaluates the segments it can affect. An event whose messageId the user applied within
     * the dedup window (an SDK retry) changes nothing.
     *
     * @param fresh the user has no stored record yet: it joins the registry backfills scan
     */
    public void onEvent(PartitionBatch batch, UserRecord record, boolean fresh, Event event, Span span,
                        SegmentCatalog.Current catalog, long nowMillis) {
        if (record.recent().checkAndRemember(event.messageId(), nowMillis, dedupWindowMillis)) {
            listener.duplicate();
            return;
        }
        record.profile().apply(event, catalog.index().needs(), catalog.scoring(), nowMillis);
        SegmentEngine.Outcome outcome = engine.onEvent(catalog.index(), catalog.scoring(), record.profile(),
                record.memberships(), event, nowMillis);
        store(batch, record, outcome, SegmentChange.causedByEvent(event.messageId()), span, nowMillis);
        // An event only ever brings a wake earlier: the wake already set covers the segments it did not evaluate.
        if (outcome.nextWake().isPresent()
                && (record.scheduledWake() == UserRecord.NO_WAKE || outcome.nextWake().getAsLong() < record.scheduledWake())) {
            record.scheduledWake(outcome.nextWake().getAsLong());
            batch.wake(record.userId(), record.scheduledWake());
            wakeTraces.scheduled(record.userId(), span.getSpanContext());
        }
        if (fresh) {
            batch.register(record.userId());
        }
        batch.write(record);
    }

    /**
     * A due wake: re-evaluates the time-dependent segments (every segment if the user is behind the catalog) and
     * sets the next wake from all of them.
     */
    public void onWake(PartitionBatch batch, UserRecord record, SegmentCatalog.Current catalog, long nowMillis, Span span) {
        SegmentEngine.Outcome outcome = engine.onTime(catalog.index(), catalog.scoring(), record.profile(),
                record.memberships(), nowMillis);
        String cause = outcome.catalogRevision().isPresent()
                ? SegmentChange.causedByCatalog(catalog.index().revision()) : "time:" + Instant.ofEpochMilli(nowMillis);
        store(batch, record, outcome, cause, span, nowMillis);
        if (outcome.nextWake().isPresent()) {
            record.scheduledWake(outcome.nextWake().getAsLong());
            batch.wake(record.userId(), record.scheduledWake());
            wakeTraces.scheduled(record.userId(), span.getSpanContext());
        } else {
            record.scheduledWake(UserRecord.NO_WAKE);
            batch.removeWake(record.userId());
            wakeTraces.forget(record.userId());
        }
        batch.write(record);
    }

    /** A backfill's visit: only a user last fully evaluated against another catalog is evaluated (in full). */
    public boolean onBackfill(PartitionBatch batch, UserRecord record, SegmentCatalog.Current catalog, long nowMillis, Span span) {
        if (!SegmentEngine.catalogChanged(catalog.index(), record.memberships())) {
            return false;
        }
        onWake(batch, record, catalog, nowMillis, span);
        return true;
    }

    /** Erases the user: an exit per membership, versions going on, then the record, its wake and its registry entry go. */
    public void erase(PartitionBatch batch, UserRecord record, Span span, long nowMillis) {
        Memberships memberships = record.memberships();
        List<Transition> exits = memberships.sorted().keySet().stream().map(segment -> new Transition(segment, false)).toList();
        addChanges(batch, record.userId(), exits, memberships.version() + exits.size(), SegmentChange.ERASURE, span, nowMillis);
        batch.erase(record.userId());
        wakeTraces.forget(record.userId());
    }

    private void store(PartitionBatch batch, UserRecord record, SegmentEngine.Outcome outcome, String cause, Span span,
                       long nowMillis) {
        if (!outcome.needsStore()) {
            return;
        }
        record.memberships(outcome.applyTo(record.memberships(), nowMillis));
        addChanges(batch, record.userId(), outcome.transitions(), record.memberships().version(), cause, span, nowMillis);
    }

    private static void addChanges(PartitionBatch batch, String user, List<Transition> transitions, long newVersion,
                                   String cause, Span span, long nowMillis) {
        if (transitions.isEmpty()) {
            return;
        }
        Instant at = Instant.ofEpochMilli(nowMillis);
        List<SegmentChange> changes = SegmentEngine.changes(user, transitions, newVersion, at, cause);
        for (SegmentChange change : changes) {
            batch.change(new PartitionBatch.Change(user, change.segmentId(), change.entered(), nowMillis,
                    SegmentChangeJson.write(change), span));
        }
    }
}
