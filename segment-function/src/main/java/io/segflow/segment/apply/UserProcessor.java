package io.segflow.segment.apply;

import io.opentelemetry.api.trace.Span;
import io.segflow.core.engine.ProfileNeeds;
import io.segflow.core.engine.SegmentEngine;
import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import io.segflow.core.identity.IdentityRecords;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.membership.Memberships;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.membership.SegmentChangeJson;
import io.segflow.core.state.PendingRecord;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import io.segflow.segment.catalog.SegmentCatalog;
import io.segflow.segment.schedule.WakeTraces;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.jboss.logging.Logger;

/**
 * One user through the engine, in memory: an event, a due wake, a backfill or an erasure updates its record and
 * adds what must be stored and published to the partition's batch. Pure computation; the loop does the I/O.
 */
public final class UserProcessor {
    private static final Logger LOG = Logger.getLogger(UserProcessor.class);

    /** Counts what the processing saw, for metrics. */
    public interface Listener {
        void duplicate();

        void evaluationError(String condition, String user, Exception error);

        /** An identity step's outcome (see {@link MergeStep}). */
        default void merge(MergeStep step) {
        }
    }

    /** The largest record a merge sends: in base64 (4/3) with its envelope, well under Kafka's default 1 MB record. */
    static final int MAX_MERGED_RECORD_BYTES = 512 * 1024;

    /** What an identity step did. */
    public enum MergeStep {
        /** An identify or alias linked a new id: the merge was requested from its owner. */
        REQUESTED,
        /** The linked id's profile was turned into a forward and sent to the user. */
        SENT,
        /** The user's profile took in the linked id's. */
        MERGED,
        /** A step seen before (a repeated identify, a republished record): nothing to do. */
        DUPLICATE,
        /** The id to merge away is a known user id (merging known users is off). */
        REFUSED_KNOWN_USER,
        /** The id was merged into another user already. */
        REFUSED_ALREADY_MERGED,
        /** The id's record is too large to travel in one Kafka record to the user: the id stays a profile of its own. */
        REFUSED_TOO_LARGE,
        /** The profile arrived for a user erased since the merge was requested: dropped. */
        DROPPED_ERASED,
        /** A merged id's forward was erased: the user no longer lists it, and a later identify merges it again. */
        UNLINKED,
        /** An event or step for an id merged into another went on to that user. */
        FORWARDED;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final SegmentEngine engine;
    private final long dedupWindowMillis;
    private final Listener listener;
    private final WakeTraces wakeTraces;
    private final boolean mergeKnownUsers;

    /** Without links from time flips to what scheduled them; known users are never merged. */
    public UserProcessor(long dedupWindowMillis, Listener listener) {
        this(dedupWindowMillis, listener, new WakeTraces(0), false);
    }

    public UserProcessor(long dedupWindowMillis, Listener listener, WakeTraces wakeTraces, boolean mergeKnownUsers) {
        this.dedupWindowMillis = dedupWindowMillis;
        this.listener = listener;
        this.wakeTraces = wakeTraces;
        this.mergeKnownUsers = mergeKnownUsers;
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
        link(batch, record, event, nowMillis);
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
     * A past event read again by a replay of the log: added to the property values {@code only} keeps (see
     * {@link ProfileNeeds#only}); memberships wait for the backfill after the replay.
     */
    public boolean onReplay(PartitionBatch batch, UserRecord record, Event event, ProfileNeeds only, long nowMillis) {
        if (!record.profile().replay(event, only, nowMillis)) {
            return false;
        }
        batch.write(record);
        return true;
    }

    /**
     * Identity: an event carrying the record's key as userId makes it a known user; an identify or alias naming another
     * id asks that id's owner (on its own partition) to merge it into this user, once per id.
     */
    private void link(PartitionBatch batch, UserRecord record, Event event, long nowMillis) {
        if (record.userId().equals(event.userId()) && !record.identity().known()) {
            record.identity().markKnown();
        }
        String linked = IdentityRecords.linkedId(event);
        if (linked != null && record.userId().equals(event.userId()) && !record.identity().isLinked(linked)) {
            record.identity().requested(linked);
            send(batch, linked, IdentityRecords.mergeRequest(linked, record.userId(), Instant.ofEpochMilli(nowMillis)));
            listener.merge(MergeStep.REQUESTED);
        }
    }

    /**
     * A merge request on the partition of the id to merge away: its profile goes to the user (one record keyed by the
     * user), its memberships end (exits, then a {@code merged} record, all caused {@code merged-into:<user>}) and what
     * is left is a forward.
     * Done once: a forward answers a repeated request as a duplicate, or as refused when it points elsewhere. A known
     * user id is not merged unless {@code segflow.identity.merge-known-users} says so.
     *
     * @return the record now kept for the id (a forward), or the unchanged one
     */
    public UserRecord onMergeRequest(PartitionBatch batch, UserRecord record, String into, Span span, long nowMillis) {
        if (record.isForward()) {
            listener.merge(into.equals(record.mergedInto()) ? MergeStep.DUPLICATE : MergeStep.REFUSED_ALREADY_MERGED);
            return record;
        }
        if (record.userId().equals(into)) {
            listener.merge(MergeStep.DUPLICATE);
            return record;
        }
        if (record.identity().known() && !mergeKnownUsers) {
            listener.merge(MergeStep.REFUSED_KNOWN_USER);
            return record;
        }
        byte[] encoded = batch.encode(record);
        if (encoded.length > MAX_MERGED_RECORD_BYTES) {
            // Sent in base64, it would pass Kafka's default 1 MB record limit: every send of the partition's pending
            // records would then fail, and the partition would stall on it for good.
            LOG.warnf("Not merging %s into %s: its record is %d bytes, over the %d a merge carries", record.userId(), into,
                    encoded.length, MAX_MERGED_RECORD_BYTES);
            listener.merge(MergeStep.REFUSED_TOO_LARGE);
            return record;
        }
        Instant at = Instant.ofEpochMilli(nowMillis);
        send(batch, into, IdentityRecords.profile(record.userId(), into, encoded, at));
        Memberships memberships = record.memberships();
        List<Transition> exits = memberships.sorted().keySet().stream().map(segment -> new Transition(segment, false)).toList();
        String cause = SegmentChange.causedByMergeInto(into);
        addChanges(batch, record.userId(), exits, memberships.version() + exits.size(), cause, span, nowMillis);
        long version = memberships.version() + exits.size() + 1;
        addLastOfId(batch, SegmentChange.merged(record.userId(), into, at, version), span, nowMillis);
        UserRecord forward = UserRecord.forward(record.userId(), version, into);
        batch.removeWake(record.userId());
        batch.unregister(record.userId()); // backfills have nothing to evaluate on a forward
        wakeTraces.forget(record.userId());
        batch.write(forward);
        listener.merge(MergeStep.SENT);
        return forward;
    }

    /**
     * The profile of a merged id, on the user's partition: added to the user's once (the id is recorded as merged),
     * then every segment is evaluated on the merged profile (changes caused {@code merged:<id>}). For a forward (the user
     * was itself merged on) it goes on; for a user that never asked for it (erased since it asked, with no record or a
     * new one) it is dropped.
     *
     * @param stored whether the user has a stored record (or one written earlier in the round)
     */
    public void onMergedProfile(PartitionBatch batch, UserRecord record, boolean stored, Event event,
                                SegmentCatalog.Current catalog, Span span, long nowMillis) {
        String from = IdentityRecords.profileFrom(event);
        byte[] profile = IdentityRecords.profileRecord(event);
        if (record.isForward()) {
            // With the merge's own time, which names the profile: a repeat of it is still known as one further on.
            send(batch, record.mergedInto(),
                    IdentityRecords.profile(from, record.mergedInto(), profile, stepTime(event, nowMillis)));
            listener.merge(MergeStep.FORWARDED);
            return;
        }
        if (!stored || !record.identity().isLinked(from)) {
            // The user that asked was erased since: a record started again after the erasure holds no link to the
            // id, and must not take in a profile from before it.
            listener.merge(MergeStep.DROPPED_ERASED);
            return;
        }
        // Its messageId is remembered like an event's (trigger-function waits for the profile to include what it
        // evaluates). One remembered already is a repeat from an earlier merge of the id, whose forward was erased
        // since and which is asked for again: its new profile has another messageId.
        if (record.identity().isMerged(from)
                || record.recent().checkAndRemember(event.messageId(), nowMillis, dedupWindowMillis)) {
            listener.merge(MergeStep.DUPLICATE);
            return;
        }
        UserRecord other = UserRecordCodec.decode(from, profile);
        record.identity().absorb(other.identity());
        record.identity().merged(from);
        if (other.profile().totalEvents() == 0 && other.profile().traits().isEmpty()) {
            // An anonymous id with no events yet (analytics.js names one in every identify): nothing to evaluate.
            batch.write(record);
            listener.merge(MergeStep.MERGED);
            return;
        }
        record.profile().merge(other.profile(), catalog.index().needs(), catalog.scoring(), nowMillis);
        record.recent().mergeFrom(other.recent());
        // Every segment, as after a catalog change: the merged history can move any of them.
        Memberships current = record.memberships();
        record.memberships(new Memberships(current.since(), current.version(), Memberships.NEVER_FULLY_EVALUATED));
        SegmentEngine.Outcome outcome = engine.onTime(catalog.index(), catalog.scoring(), record.profile(),
                record.memberships(), nowMillis);
        store(batch, record, outcome, SegmentChange.causedByMerge(from), span, nowMillis);
        schedule(batch, record, outcome, span);
        batch.write(record);
        listener.merge(MergeStep.MERGED);
    }

    /**
     * The forward of an id merged into this user was erased (a {@code DELETE} of the id): the user no longer lists it
     * as merged, so that a later identify or alias merges its new profile. What it brought stays. Only an id merged
     * into the user is unlinked: a repeat finds it unlinked, and one that arrives after the id was asked for again
     * leaves the new request be (the profile it brings is what the erased forward was not). On a forward it goes on.
     */
    public void onUnlink(PartitionBatch batch, UserRecord record, Event event, long nowMillis) {
        String from = IdentityRecords.unlinkedId(event);
        if (record.isForward()) {
            send(batch, record.mergedInto(), IdentityRecords.unlink(from, record.mergedInto(), stepTime(event, nowMillis)));
            listener.merge(MergeStep.FORWARDED);
            return;
        }
        if (from == null || !record.identity().unlink(from)) {
            listener.merge(MergeStep.DUPLICATE);
            return;
        }
        batch.write(record);
        listener.merge(MergeStep.UNLINKED);
    }

    /** An event for an id merged into another: it goes on to that user, as the user's event. */
    public void forward(PartitionBatch batch, UserRecord record, Event event, byte[] value) {
        String into = record.mergedInto();
        byte[] forwarded;
        try {
            forwarded = IdentityRecords.forwarded(value, event, into, record.userId());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("the event to forward does not read: " + e.getMessage(), e);
        }
        batch.send(PendingRecord.event(into, new String(forwarded, StandardCharsets.UTF_8)));
        listener.merge(MergeStep.FORWARDED);
    }

    /** An identity step's own time, which a step forwarded further keeps; now when the step carries none. */
    private static Instant stepTime(Event step, long nowMillis) {
        return step.timestamp() != null ? step.timestamp() : Instant.ofEpochMilli(nowMillis);
    }

    private static void send(PartitionBatch batch, String key, Event record) {
        batch.send(PendingRecord.event(key, new String(EventRecords.write(record), StandardCharsets.UTF_8)));
    }

    /**
     * A due wake: re-evaluates the time-dependent segments (every segment if the user is behind the catalog) and
     * sets the next wake from all of them.
     */
    public void onWake(PartitionBatch batch, UserRecord record, SegmentCatalog.Current catalog, long nowMillis, Span span) {
        if (record.isForward()) {
            batch.removeWake(record.userId()); // a wake set before the merge, whose removal did not reach the schedule
            return;
        }
        SegmentEngine.Outcome outcome = engine.onTime(catalog.index(), catalog.scoring(), record.profile(),
                record.memberships(), nowMillis);
        storeTimeOutcome(batch, record, outcome, catalog, nowMillis, span);
    }

    /** An evaluation of every time-dependent segment (or every segment): its changes, its next wake and the record. */
    private void storeTimeOutcome(PartitionBatch batch, UserRecord record, SegmentEngine.Outcome outcome,
                                  SegmentCatalog.Current catalog, long nowMillis, Span span) {
        UnaryOperator<String> causes = SegmentEngine.timeOrCatalogCauses(catalog.index(),
                record.memberships().catalogRevision(), outcome, Instant.ofEpochMilli(nowMillis));
        store(batch, record, outcome, causes, span, nowMillis);
        schedule(batch, record, outcome, span);
        batch.write(record);
    }

    /** After every time-dependent segment was evaluated: the next wake is the outcome's, or none. */
    private void schedule(PartitionBatch batch, UserRecord record, SegmentEngine.Outcome outcome, Span span) {
        if (outcome.nextWake().isPresent()) {
            record.scheduledWake(outcome.nextWake().getAsLong());
            batch.wake(record.userId(), record.scheduledWake());
            wakeTraces.scheduled(record.userId(), span.getSpanContext());
        } else {
            record.scheduledWake(UserRecord.NO_WAKE);
            batch.removeWake(record.userId());
            wakeTraces.forget(record.userId());
        }
    }

    /**
     * A backfill's visit: only a user last fully evaluated against another catalog is evaluated, against what changed
     * since (every segment when this instance does not know what changed since that revision). A user the
     * new catalog neither moves in or out of a segment nor wakes at another time is not written: most users of most
     * new segments, so a backfill writes what it changes, not every user. Such a user keeps the revision it recorded,
     * so its next event or wake catches it up once more, and records the revision then.
     */
    public boolean onBackfill(PartitionBatch batch, UserRecord record, SegmentCatalog.Current catalog, long nowMillis, Span span) {
        if (record.isForward() || !SegmentEngine.catalogChanged(catalog.index(), record.memberships())) {
            return false;
        }
        SegmentEngine.Outcome outcome = engine.onCatalog(catalog.index(), catalog.scoring(), record.profile(),
                record.memberships(), record.wakeIfScheduled(), nowMillis);
        if (outcome.transitions().isEmpty() && outcome.nextWake().orElse(UserRecord.NO_WAKE) == record.scheduledWake()) {
            return true;
        }
        storeTimeOutcome(batch, record, outcome, catalog, nowMillis, span);
        return true;
    }

    /**
     * Erases the user: an exit per membership and an {@code erased} record, versions going on, then the record, its
     * wake and its registry entry go; the ids merged into it (or on their way) are erased on their own partitions, each
     * if it is a forward to this user. An erasure of a forward erases the forward only, and tells its user, which
     * unlinks the id.
     */
    public void erase(PartitionBatch batch, UserRecord record, Span span, long nowMillis) {
        Instant at = Instant.ofEpochMilli(nowMillis);
        if (record.isForward()) {
            send(batch, record.mergedInto(), IdentityRecords.unlink(record.userId(), record.mergedInto(), at));
        }
        for (String linked : record.identity().linkedIds()) {
            send(batch, linked, IdentityRecords.eraseMerged(linked, record.userId(), at));
        }
        Memberships memberships = record.memberships();
        List<Transition> exits = memberships.sorted().keySet().stream().map(segment -> new Transition(segment, false)).toList();
        addChanges(batch, record.userId(), exits, memberships.version() + exits.size(), SegmentChange.ERASURE, span, nowMillis);
        // Published whether or not it had memberships: the next profile's versions start from 1 again, and without it
        // a consumer that remembers the versions it saw would take them for repeats.
        addLastOfId(batch, SegmentChange.erased(record.userId(), at, memberships.version() + exits.size() + 1), span, nowMillis);
        batch.erase(record.userId());
        wakeTraces.forget(record.userId());
    }

    /** An erasure sent by a user erased since: erases this id if it is a forward to that user, else nothing. */
    public boolean eraseForward(PartitionBatch batch, UserRecord record, String erasedUser, Span span, long nowMillis) {
        if (!record.isForward() || !erasedUser.equals(record.mergedInto())) {
            return false;
        }
        // Streams opened on the forward follow the erased user: its erased record ends them wherever they are held.
        addLastOfId(batch, SegmentChange.erased(record.userId(), Instant.ofEpochMilli(nowMillis),
                record.memberships().version() + 1), span, nowMillis);
        batch.erase(record.userId());
        return true;
    }

    /** The last record of an id (merged or erased): no segment, so no member index moves. */
    private static void addLastOfId(PartitionBatch batch, SegmentChange last, Span span, long nowMillis) {
        batch.change(new PartitionBatch.Change(last.userId(), null, false, nowMillis, SegmentChangeJson.write(last), span));
    }

    private void store(PartitionBatch batch, UserRecord record, SegmentEngine.Outcome outcome, String cause, Span span,
                       long nowMillis) {
        store(batch, record, outcome, segmentId -> cause, span, nowMillis);
    }

    private void store(PartitionBatch batch, UserRecord record, SegmentEngine.Outcome outcome, UnaryOperator<String> causes,
                       Span span, long nowMillis) {
        if (!outcome.needsStore()) {
            return;
        }
        record.memberships(outcome.applyTo(record.memberships(), nowMillis));
        addChanges(batch, record.userId(), outcome.transitions(), record.memberships().version(), causes, span, nowMillis);
    }

    private static void addChanges(PartitionBatch batch, String user, List<Transition> transitions, long newVersion,
                                   String cause, Span span, long nowMillis) {
        addChanges(batch, user, transitions, newVersion, segmentId -> cause, span, nowMillis);
    }

    private static void addChanges(PartitionBatch batch, String user, List<Transition> transitions, long newVersion,
                                   UnaryOperator<String> causes, Span span, long nowMillis) {
        if (transitions.isEmpty()) {
            return;
        }
        Instant at = Instant.ofEpochMilli(nowMillis);
        List<SegmentChange> changes = SegmentEngine.changes(user, transitions, newVersion, at, causes);
        for (SegmentChange change : changes) {
            batch.change(new PartitionBatch.Change(user, change.segmentId(), change.entered(), nowMillis,
                    SegmentChangeJson.write(change), span));
        }
    }
}
