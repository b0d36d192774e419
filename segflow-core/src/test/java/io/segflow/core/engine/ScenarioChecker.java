package io.segflow.core.engine;

import static io.segflow.core.engine.Scenario.ANONYMOUS;
import static io.segflow.core.engine.Scenario.USER;

import io.segflow.core.engine.Scenario.Catalog;
import io.segflow.core.engine.Scenario.Control;
import io.segflow.core.engine.Scenario.StepEvent;
import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import io.segflow.core.history.PartitionHistory;
import io.segflow.core.history.PartitionHistory.Planned;
import io.segflow.core.identity.IdentityRecords;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.Scoring;
import io.segflow.core.rules.CompiledSegment;
import io.segflow.core.rules.Reads;
import io.segflow.core.rules.Reads.PropertyRef;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Replays a {@link Scenario} through the incremental engine as the segment function drives it (each event checked
 * against the recent messageIds and applied to its id's one {@link Profile}, scheduled wakes fired in order once due,
 * the earliest wake kept) and compares the memberships of both ids with the {@link BruteForceModel} after each step's
 * wakes and after each step. Every id goes through {@link UserRecordCodec} after every update and the engine reads the
 * decoded copy (its event histories decoded as they are read, as segment-function reads the users it holds in memory),
 * so the property covers the stored encoding too.
 * <p>
 * The anonymous id "a" is merged into "u" as segment-function's {@code UserProcessor} does it, each side on its own
 * partition: the merge request makes a's stored record a {@code merge-profile} record for u (the transfer), ends a's
 * memberships and leaves a forward; a's later events are forwarded to u as u's; both wait, in order, in a queue that
 * u takes from one record per delivery. The transfer is added to u's profile once ({@code Profile.merge}, the recent
 * messageIds, the identity), then every segment is evaluated and the next wake set from that. The records a's
 * partition sends u go through their JSON form ({@link EventRecords}) as on the topic. The model's u is its own events plus, from the transfer's
 * first delivery, a's events before the merge (with {@code Profile.merge}'s documented rules for traits and ties).
 * <p>
 * Catalogs ({@link Catalog}), as segment-function's {@code HistoryReplay} and {@code Round} handle them, with both ids
 * on one partition whose event log is every record applied there (retries included): a saved catalog is adopted by the
 * partition's {@link PartitionHistory}; the properties it gains are replayed from the records logged so far, a chunk
 * per {@link Control#REPLAY} step, each record added once per replay and user ({@code Profile.replay} with
 * {@code ProfileNeeds.only}), while live events keep the property under the new needs. Every profile is reconciled
 * with the history ({@code Profile.forget}) before it is read or changed. While a replay goes on, users are evaluated
 * against the catalog with the segments that read a replayed property held ({@code SegmentIndex.holding}); once none
 * is left (or at once, when a catalog gains nothing), the catalog backfill evaluates every user in full. Checked: with
 * no replay going on, every segment of the catalog as the model says; during a replay, the segments not held as the
 * model says, and the held ones as they stood when they were held (also once their own replay ended, until the id's
 * next evaluation). A scenario that saves a catalog has no merge.
 * <p>
 * The protected hooks are the engine path's seams: {@code ModelHarnessTest} overrides them to inject faults and
 * prove the property catches them.
 */
class ScenarioChecker {
    static final long START = 1_795_600_000_000L;
    static final long DEDUP_WINDOW_MILLIS = Duration.ofHours(24).toMillis();
    /** A retry step comes at most this long after its original (else it does nothing): well inside the dedup window. */
    static final long RETRY_WITHIN_MILLIS = DEDUP_WINDOW_MILLIS - Duration.ofHours(1).toMillis();
    /** The catalog's revision: any catalog with segments has one (the api counts every save from 1). */
    static final long CATALOG_REVISION = 1;
    static final Scoring SCORING = new Scoring(Duration.ofMinutes(10), Map.of("view", 1.0, "cart", 2.0, "buy", 5.0));
    static final Map<String, String> CONDITIONS = byId(
            "s1", "count(\"view\", \"90s\") >= 2",
            "s2", "count(\"cart\", \"30m\") >= 1 && count(\"view\") >= 3",
            "s3", "sum(\"buy\", \"amount\", \"2h\") > 50",
            "s4", "max(\"buy\", \"amount\") >= 40 || avg(\"buy\", \"amount\", \"1d\") < 20",
            "s5", "now - lastSeen > duration(\"5m\")",
            "s6", "score > 3.5",
            "s7", "inSegment(\"s1\") && !inSegment(\"s6\")",
            "s8", "\"plan\" in traits && traits.plan == \"pro\" && now - lastSeen(\"cart\") < duration(\"10m\")",
            "s9", "last(\"buy\", \"amount\") > 50 && count(\"buy\") >= 2",
            "s10", "max(\"view\", \"price\", \"45m\") >= 90",
            "s11", "min(\"cart\", \"price\", \"3h\") < 5");
    /**
     * Segments saved "now", at any step, after the events: a backfill evaluates them on the profile as kept, so they
     * must answer from the count history (every granularity, event names no enabled segment reads).
     */
    static final Map<String, String> SAVED_LATER = new TreeMap<>(Map.of(
            "h1", "count(\"buy\", \"20s\") >= 1",
            "h2", "count(\"identify\", \"45m\") >= 1",
            "h3", "count(\"cart\", \"3h\") >= 2 && count(\"view\", \"10m\") == 0",
            "h4", "count(\"view\", \"1d\") >= 4",
            "h5", "count(\"buy\", \"8d\") >= 2 || count(\"identify\", \"90s\") >= 1"));

    /** id, condition, id, condition, … in a map sorted by id. */
    private static Map<String, String> byId(String... idsAndConditions) {
        Map<String, String> conditions = new TreeMap<>();
        for (int i = 0; i < idsAndConditions.length; i += 2) {
            conditions.put(idsAndConditions[i], idsAndConditions[i + 1]);
        }
        return conditions;
    }

    /**
     * Segments over aggregates {@link #CONDITIONS} does not keep: view.price summed and its latest value, cart.price's
     * lifetime average and daily maximum, buy.amount's minimum, short average and lifetime sum (whose lifetime values
     * the first catalog keeps already: they are dropped and rebuilt with the rest of buy.amount).
     */
    static final Map<String, String> WIDER = byId(
            "n1", "sum(\"view\", \"price\", \"30m\") >= 150",
            "n2", "avg(\"cart\", \"price\") < 40",
            "n3", "min(\"buy\", \"amount\", \"3h\") <= 10",
            "n4", "last(\"view\", \"price\") >= 50",
            "n5", "sum(\"buy\", \"amount\") >= 150",
            "n6", "max(\"cart\", \"price\", \"1d\") >= 90",
            "n7", "avg(\"buy\", \"amount\", \"10m\") > 60 && last(\"view\", \"price\") < 80");
    /** The segments of each catalog a scenario can save. */
    static final Map<Catalog, Map<String, String>> CATALOGS = catalogs();

    private static Map<Catalog, Map<String, String>> catalogs() {
        Map<Catalog, Map<String, String>> catalogs = new EnumMap<>(Catalog.class);
        catalogs.put(Catalog.FIRST, CONDITIONS);
        Map<String, String> wider = new TreeMap<>(CONDITIONS);
        wider.putAll(WIDER);
        catalogs.put(Catalog.WIDER, wider);
        Map<String, String> narrower = new TreeMap<>(CONDITIONS);
        narrower.keySet().removeAll(Set.of("s10", "s11"));
        catalogs.put(Catalog.NARROWER, narrower);
        return catalogs;
    }

    private final Map<Catalog, List<CompiledSegment>> compiled = new EnumMap<>(Catalog.class);
    /** Indexes by catalog and revision: building one per step would cost more than the step. */
    private final Map<String, SegmentIndex> indexes = new HashMap<>();
    private final SegmentIndex savedLater = new SegmentIndex(TestSegments.compile(SAVED_LATER), CATALOG_REVISION);
    private final SegmentEngine engine = new SegmentEngine((condition, user, error) -> { });

    ScenarioChecker() {
        CATALOGS.forEach((catalog, conditions) -> compiled.put(catalog, TestSegments.compile(conditions)));
    }

    private SegmentIndex index(Catalog catalog, long revision) {
        return indexes.computeIfAbsent(catalog + "@" + revision, key -> new SegmentIndex(compiled.get(catalog), revision));
    }

    /**
     * The catalog saved at {@code revision} over {@code previous}, as segment-function builds it: users evaluated
     * against the previous one catch up on what changed only.
     */
    private SegmentIndex index(Catalog catalog, long revision, Catalog previousCatalog, SegmentIndex previous) {
        return indexes.computeIfAbsent(previousCatalog + ">" + catalog + "@" + revision,
                key -> new SegmentIndex(compiled.get(catalog), revision, previous, false));
    }

    /** The engine's memberships of {@code id} differ from the model's at {@code step}, {@code offsetMillis} after the start. */
    record Mismatch(int step, long offsetMillis, String id, String when, Set<String> expected, Set<String> actual) {
        @Override
        public String toString() {
            Set<String> missing = new TreeSet<>(expected);
            missing.removeAll(actual);
            Set<String> unexpected = new TreeSet<>(actual);
            unexpected.removeAll(expected);
            return "step %d at +%dms, %s %s: model %s, engine %s (missing %s, unexpected %s)".formatted(step, offsetMillis,
                    id, when, new TreeSet<>(expected), new TreeSet<>(actual), missing, unexpected);
        }
    }

    Optional<Mismatch> firstMismatch(Scenario scenario) {
        Replay replay = new Replay(scenario.steps().stream().anyMatch(step -> step.action() instanceof Catalog));
        for (int s = 0; s < scenario.size(); s++) {
            int i = s;
            Scenario.Step step = scenario.steps().get(i);
            replay.advance(step.advanceMillis());
            Optional<Mismatch> mismatch = replay.compare(i, "after the wakes due");
            if (mismatch.isEmpty() && step.action() != null) {
                replay.act(i, step.action());
                mismatch = replay.compare(i, step.event() != null ? "after its event" : "after its step");
            }
            if (mismatch.isPresent()) {
                return mismatch;
            }
        }
        return Optional.empty();
    }

    /** Adds an event to an id's profile, as the segment function does before it evaluates. */
    protected void applyEvent(Profile profile, Event event, ProfileNeeds needs, long nowMillis) {
        profile.apply(event, needs, SCORING, nowMillis);
    }

    /** Adds an earlier event to the property values {@code only} keeps, as a replay of the event log does. */
    protected void replayEvent(Profile profile, Event event, ProfileNeeds only, long nowMillis) {
        profile.replay(event, only, nowMillis);
    }

    /** Whether a replay reads this user's messageId for the first time (remembered in {@code added}): else a retry. */
    protected boolean firstInReplay(Set<String> added, String userAndMessageId) {
        return added.add(userAndMessageId);
    }

    /**
     * As Round.reconcile, before a profile is read or changed: values of properties kept since a later catalog than
     * the profile was reconciled with are dropped.
     */
    protected void reconcile(Profile profile, PartitionHistory history) {
        long latest = history.latestGain();
        if (profile.aggregatesRevision() < latest) {
            profile.forget(history.keptSince(profile.aggregatesRevision()));
            profile.aggregatesRevision(latest);
        }
    }

    /** The wake to keep scheduled when an event's outcome asks for {@code requested}: the earlier one. */
    protected long keptWake(long scheduled, long requested) {
        return scheduled == UserRecord.NO_WAKE ? requested : Math.min(scheduled, requested);
    }

    /** Whether the user took in the profile of {@code from} already: a transfer delivered again changes nothing. */
    protected boolean alreadyMerged(UserRecord user, String from) {
        return user.identity().isMerged(from);
    }

    /** An event of the merged id, forwarded as the user's: queued for the user behind what was sent before. */
    protected void forward(Deque<byte[]> toUser, byte[] forwarded) {
        toUser.add(forwarded);
    }

    /** A record of the partition's event log: an event applied to {@code party} (an original or a retry). */
    private record Logged(Party party, Event event) {
    }

    /** One id on its partition: its stored value, and for the model every event it applied. */
    private static final class Party {
        final String id;
        byte[] stored;
        /** What the model's profile holds: the events this id applied, in arrival order (forwarded ones included). */
        final List<Event> history = new ArrayList<>();
        /** The last event this id sent, for a retry, and when. */
        Event lastSent;
        long lastSentAt;
        /**
         * The segments whose memberships must stand, each with its membership then: held for a replay since this id
         * was last evaluated (a segment released when its replay ends waits for the id's next evaluation, or for the
         * catalog backfill).
         */
        final Map<String, Boolean> waiting = new TreeMap<>();

        Party(String id) {
            this.id = id;
            this.stored = UserRecordCodec.encode(UserRecord.empty(id));
        }

        /** As the engine reads a user it holds in memory: each event's history decoded when the step first reads it. */
        UserRecord load() {
            return UserRecordCodec.decodeOwn(id, stored, stored.length);
        }

        /** Stores the record and reads it back: what the engine sees next is what the encoding kept. */
        UserRecord roundTrip(UserRecord record) {
            stored = UserRecordCodec.encode(record);
            return load();
        }
    }

    /**
     * Both ids while a scenario replays. The engine's side: the stored records and the records a's partition sent u.
     * The model's side, kept apart so that a fault in the engine's path cannot change what is expected: each id's
     * events, and what u must receive from a, in order.
     */
    private final class Replay {
        private final Party user = new Party(USER);
        private final Party anonymous = new Party(ANONYMOUS);
        private long clock = START;
        /** The scenario saves a catalog: its merge steps do nothing. */
        private final boolean catalogs;
        /** The catalog, its revision and its index; what users are evaluated against (with held segments). */
        private Catalog catalog = Catalog.FIRST;
        private long revision = CATALOG_REVISION;
        private SegmentIndex index;
        private SegmentIndex evaluating;
        /** The partition's history of event properties, as the first round of each catalog left it. */
        private PartitionHistory history;
        /** The partition's event log: every record applied on it, in order (retries too). */
        private final List<Logged> log = new ArrayList<>();
        /** Per replay (by revision), the users' messageIds it added: a retry counts once. */
        private final Map<Long, Set<String>> replayed = new LinkedHashMap<>();
        /** The segments of the catalog held for the replays going on. */
        private Set<String> held = Set.of();
        /** The engine: records from a's partition to u, not delivered yet, in the order they were sent. */
        private final Deque<byte[]> toUser = new ArrayDeque<>();
        /** The engine: the transfer record, once a's partition sent it. */
        private byte[] transfer;
        /** The model: what u must receive from a, in order (a forwarded event, or the transfer: null). */
        private final Deque<Optional<Event>> expectedByUser = new ArrayDeque<>();
        /** The model: u's identify named "a" (the merge can be requested). */
        private boolean linked;
        /** The model: a was merged, with these events of its own. */
        private boolean merged;
        private List<Event> transferred = List.of();
        /** The model: the transfer reached u, when u had applied {@code mergedAt} events of its own. */
        private boolean delivered;
        private int mergedAt;

        Replay(boolean catalogs) {
            this.catalogs = catalogs;
            this.index = index(catalog, revision);
            this.history = PartitionHistory.NONE.withCatalog(revision, index.needs().shapes()).history();
            this.evaluating = index;
        }

        /** A record as the engine reads it: reconciled with the partition's history first (a forward has no profile). */
        private UserRecord open(Party party) {
            UserRecord record = party.load();
            if (!record.isForward()) {
                reconcile(record.profile(), history);
            }
            return record;
        }

        /** Time passes: fire each id's scheduled wakes due by now, in order, as the scheduler does. */
        void advance(long millis) {
            clock += millis;
            fireWakes(user);
            fireWakes(anonymous);
        }

        private void fireWakes(Party party) {
            UserRecord record = open(party);
            while (record.scheduledWake() != UserRecord.NO_WAKE && record.scheduledWake() <= clock) {
                if (record.isForward()) {
                    throw new IllegalStateException(party.id + " is a forward with a wake at " + record.scheduledWake());
                }
                long at = record.scheduledWake();
                SegmentEngine.Outcome outcome = engine.onTime(evaluating, SCORING, record.profile(), record.memberships(), at);
                long next = outcome.nextWake().orElse(UserRecord.NO_WAKE);
                if (next != UserRecord.NO_WAKE && next <= at) {
                    throw new IllegalStateException("the wake of " + party.id + " at " + at + " asked for the earlier or same wake " + next);
                }
                record.memberships(outcome.applyTo(record.memberships(), at));
                record.scheduledWake(next);
                record = party.roundTrip(record);
                evaluated(party);
            }
        }

        void act(int step, Scenario.Action action) {
            switch (action) {
                // Ids derive from the step, so a shrunk scenario replays exactly as the original did.
                case StepEvent event -> send(event.anonymous() ? anonymous : user, event.toEvent(clock, "m" + step), true);
                case Control control -> {
                    switch (control) {
                        case MERGE -> {
                            if (!catalogs) {
                                mergeRequest();
                            }
                        }
                        case DELIVER -> deliverNext();
                        case REDELIVER -> {
                            if (delivered) {
                                mergedProfile(read(transfer));
                            }
                        }
                        case RETRY_USER -> retry(user);
                        case RETRY_ANONYMOUS -> retry(anonymous);
                        case REPLAY -> replayChunk(Scenario.REPLAY_CHUNK);
                        case FINISH -> replayChunk(Integer.MAX_VALUE);
                    }
                }
                case Catalog saved -> save(saved);
            }
        }

        /** An event arrives on the partition of its id: applied there, or forwarded to u once a is merged. */
        private void send(Party party, Event event, boolean original) {
            if (original) {
                party.lastSent = event;
                party.lastSentAt = clock;
            }
            if (party == anonymous && merged) {
                expectedByUser.add(Optional.of(event));
                // As UserProcessor.forward: the record as received, made u's
                byte[] received = EventRecords.write(event);
                try {
                    forward(toUser, IdentityRecords.forwarded(received, read(received), USER, ANONYMOUS));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            } else {
                boolean seen = seen(party, event);
                log.add(new Logged(party, event));
                apply(party, event, seen);
                remember(party, event, seen);
            }
        }

        /**
         * As HistoryReplay.plan in the first round of the catalog: the partition adopts it, and properties it gains
         * are replayed from the records logged so far; live events from here on keep them. With no replay left, the
         * catalog backfill.
         */
        private void save(Catalog saved) {
            Catalog previous = catalog;
            catalog = saved;
            revision++;
            index = index(saved, revision, previous, index);
            Planned planned = history.withCatalog(revision, index.needs().shapes());
            history = planned.history();
            if (!planned.gained().isEmpty() && !log.isEmpty()) {
                history = history.withReplay(new PartitionHistory.Replay(revision, List.copyOf(planned.gained()), 0,
                        log.size(), 0, 0));
            }
            historyChanged();
        }

        /**
         * As HistoryReplay.run: up to {@code records} records of the log, replay after replay, each added (once per
         * replay, user and messageId) to the property values the replay rebuilds.
         */
        private void replayChunk(int records) {
            if (history.pendingReplay() == null) {
                return;
            }
            for (int i = 0; i < records && history.pendingReplay() != null; i++) {
                PartitionHistory.Replay replay = history.pendingReplay();
                Logged record = log.get(Math.toIntExact(replay.next()));
                Set<String> added = replayed.computeIfAbsent(replay.revision(), r -> new HashSet<>());
                if (firstInReplay(added, record.party().id + " " + record.event().messageId())) {
                    UserRecord stored = open(record.party());
                    replayEvent(stored.profile(), record.event(), index.needs().only(Set.copyOf(replay.refs())), clock);
                    record.party().stored = UserRecordCodec.encode(stored);
                }
                history = history.progressed(replay.at(replay.next() + 1));
            }
            historyChanged();
        }

        /** The segments held while replays go on; with none left, the catalog backfill. */
        private void historyChanged() {
            replayed.keySet().retainAll(history.replays().stream().map(PartitionHistory.Replay::revision).toList());
            evaluating = index.holding(history.replaying());
            held = held();
            if (history.pendingReplay() == null) {
                backfill(user);
                backfill(anonymous);
                user.waiting.clear();
                anonymous.waiting.clear();
            } else {
                waitFor(user);
                waitFor(anonymous);
            }
        }

        /** The segments held from now on wait, as they are, for the id's next evaluation. */
        private void waitFor(Party party) {
            Set<String> memberships = party.load().memberships().since().keySet();
            held.forEach(segment -> party.waiting.putIfAbsent(segment, memberships.contains(segment)));
        }

        /** The id was just evaluated: every segment not held was, the held ones wait. */
        private void evaluated(Party party) {
            party.waiting.clear();
            waitFor(party);
        }

        /** As CatalogBackfill with UserProcessor.onBackfill: a user not evaluated in full against the catalog is. */
        private void backfill(Party party) {
            UserRecord record = open(party);
            if (record.isForward() || record.profile().totalEvents() == 0
                    || !SegmentEngine.catalogChanged(index, record.memberships())) {
                return; // nothing stored, or up to date
            }
            SegmentEngine.Outcome outcome = engine.onCatalog(index, SCORING, record.profile(), record.memberships(),
                    record.wakeIfScheduled(), clock);
            record.memberships(outcome.applyTo(record.memberships(), clock));
            record.scheduledWake(outcome.nextWake().orElse(UserRecord.NO_WAKE));
            party.stored = UserRecordCodec.encode(record);
        }

        /**
         * The segments of the catalog that read a property some replay rebuilds: worked out from what they read, apart
         * from {@code SegmentIndex.holding}.
         */
        private Set<String> held() {
            Set<PropertyRef> replaying = new HashSet<>();
            history.replays().forEach(replay -> replaying.addAll(replay.refs()));
            Set<String> held = new TreeSet<>();
            for (CompiledSegment segment : compiled.get(catalog)) {
                Reads reads = segment.condition().reads();
                if (reads.lastValues().stream().anyMatch(replaying::contains) || reads.propertyAggregates().stream()
                        .anyMatch(aggregate -> replaying.contains(new PropertyRef(aggregate.event(), aggregate.property())))) {
                    held.add(segment.id());
                }
            }
            return held;
        }

        /** An SDK retry of the id's last event, while the dedup window must still know it. */
        private void retry(Party party) {
            if (party.lastSent != null && clock - party.lastSentAt <= RETRY_WITHIN_MILLIS) {
                send(party, party.lastSent, false);
            }
        }

        /** The model: whether the id's profile holds the event already (then its arrival is a retry). */
        private boolean seen(Party party, Event event) {
            return modelEvents(party).stream().anyMatch(e -> e.messageId().equals(event.messageId()));
        }

        /** The model: the id's profile holds the event from now on, unless it did already. */
        private void remember(Party party, Event event, boolean seen) {
            if (!seen) {
                party.history.add(event);
                linked |= party == user && ANONYMOUS.equals(IdentityRecords.linkedId(event));
            }
        }

        /**
         * As UserProcessor.onEvent: the messageId check (which must know what the model saw), the profile, the
         * identity links, the affected segments.
         */
        private void apply(Party party, Event event, boolean seen) {
            UserRecord record = open(party);
            boolean retry = record.recent().checkAndRemember(event.messageId(), clock, DEDUP_WINDOW_MILLIS);
            if (retry != seen) {
                throw new IllegalStateException(seen ? "the retry of " + event.messageId() + " was applied again to " + party.id
                        : "the new message " + event.messageId() + " was taken for a retry by " + party.id);
            }
            if (retry) {
                return;
            }
            applyEvent(record.profile(), event, evaluating.needs(), clock);
            link(record, event);
            record = party.roundTrip(record);
            SegmentEngine.Outcome outcome = engine.onEvent(evaluating, SCORING, record.profile(), record.memberships(), event, clock);
            record.memberships(outcome.applyTo(record.memberships(), clock));
            if (outcome.nextWake().isPresent()) {
                record.scheduledWake(keptWake(record.scheduledWake(), outcome.nextWake().getAsLong()));
            }
            party.stored = UserRecordCodec.encode(record);
            evaluated(party);
        }

        /** As UserProcessor.link, without the merge request it sends (a {@link Control#MERGE} step stands for it). */
        private static void link(UserRecord record, Event event) {
            if (record.userId().equals(event.userId()) && !record.identity().known()) {
                record.identity().markKnown();
            }
            String other = IdentityRecords.linkedId(event);
            if (other != null && record.userId().equals(event.userId()) && !record.identity().isLinked(other)) {
                record.identity().requested(other);
            }
        }

        /**
         * As UserProcessor.onMergeRequest on a's partition: a's record goes to u, a's memberships end and a forward is
         * left. Only once u's identify asked for it; a forward answers a repeat with nothing.
         */
        private void mergeRequest() {
            if (!linked) {
                return; // nobody asked yet
            }
            if (!user.load().identity().isLinked(ANONYMOUS)) {
                throw new IllegalStateException("u applied an identify naming a, but its stored identity does not link a");
            }
            UserRecord record = open(anonymous);
            if (merged) {
                if (!record.isForward()) {
                    throw new IllegalStateException("a was merged, but its stored record is no forward");
                }
                return;
            }
            if (record.isForward() || record.identity().known()) {
                throw new IllegalStateException("a, not merged yet, is stored as a forward or as a known user");
            }
            merged = true;
            transferred = List.copyOf(anonymous.history);
            expectedByUser.add(Optional.empty());
            Instant at = Instant.ofEpochMilli(clock);
            transfer = EventRecords.write(IdentityRecords.profile(ANONYMOUS, USER, UserRecordCodec.encode(record), at));
            toUser.add(transfer);
            Memberships memberships = record.memberships();
            long version = memberships.version() + memberships.since().size() + 1; // an exit per membership, then "merged"
            anonymous.stored = UserRecordCodec.encode(UserRecord.forward(ANONYMOUS, version, USER));
        }

        /**
         * u's partition reads the next record a's sent it, as EventLoop.apply routes it; the model takes what u must
         * receive next.
         */
        private void deliverNext() {
            if (!toUser.isEmpty()) {
                Event record = read(toUser.poll());
                if (IdentityRecords.isProfile(record)) {
                    mergedProfile(record);
                } else {
                    apply(user, record, seen(user, record));
                }
            }
            if (!expectedByUser.isEmpty()) {
                Optional<Event> next = expectedByUser.poll();
                if (next.isPresent()) {
                    remember(user, next.get(), seen(user, next.get()));
                } else if (!delivered) {
                    delivered = true;
                    mergedAt = user.history.size();
                }
            }
        }

        /**
         * As UserProcessor.onMergedProfile: the profile of a added to u's once, then every segment evaluated (as after
         * a catalog change) and the next wake set from that.
         */
        private void mergedProfile(Event record) {
            String from = IdentityRecords.profileFrom(record);
            UserRecord target = open(user);
            if (alreadyMerged(target, from)) {
                return;
            }
            UserRecord other = UserRecordCodec.decode(from, IdentityRecords.profileRecord(record));
            target.profile().merge(other.profile(), evaluating.needs(), SCORING, clock);
            target.recent().mergeFrom(other.recent());
            target.identity().absorb(other.identity());
            target.identity().merged(from);
            target.recent().checkAndRemember(record.messageId(), clock, DEDUP_WINDOW_MILLIS);
            target = user.roundTrip(target);
            Memberships current = target.memberships();
            target.memberships(new Memberships(current.since(), current.version(), Memberships.NEVER_FULLY_EVALUATED));
            SegmentEngine.Outcome outcome = engine.onTime(evaluating, SCORING, target.profile(), target.memberships(), clock);
            target.memberships(outcome.applyTo(target.memberships(), clock));
            target.scheduledWake(outcome.nextWake().orElse(UserRecord.NO_WAKE));
            user.stored = UserRecordCodec.encode(target);
            evaluated(user);
        }

        private static Event read(byte[] record) {
            try {
                return EventRecords.readForProfile(record);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The events the model's profile of the id holds: u's own, and from the transfer on a's before the merge. */
        private List<Event> modelEvents(Party party) {
            if (party == user && delivered) {
                List<Event> events = new ArrayList<>(transferred);
                events.addAll(user.history);
                return events;
            }
            return party.history;
        }

        private BruteForceModel model(Party party) {
            return party == user && delivered ? new BruteForceModel(USER, user.history, transferred, mergedAt)
                    : new BruteForceModel(party.id, party.history);
        }

        /** Both ids: memberships, then segments saved now; a merged a has none and is stored as a forward to u. */
        Optional<Mismatch> compare(int step, String when) {
            return compare(step, when, user).or(() -> compare(step, when, anonymous));
        }

        private Optional<Mismatch> compare(int step, String when, Party party) {
            if (party == anonymous && merged) {
                if (!USER.equals(UserRecordCodec.mergedInto(anonymous.stored))) {
                    throw new IllegalStateException("a was merged, but its stored record is no forward to u");
                }
                Set<String> actual = UserRecordCodec.memberships(anonymous.stored).since().keySet();
                return mismatch(step, party, when, Set.of(), actual);
            }
            if (modelEvents(party).isEmpty()) {
                return Optional.empty(); // a profile exists from its first event on
            }
            BruteForceModel model = model(party);
            UserRecord record = party.load();
            Set<String> expected = engine.matching(index, SCORING, model, Memberships.NONE, clock);
            Set<String> actual = record.memberships().since().keySet();
            Optional<Mismatch> memberships;
            if (history.pendingReplay() == null) {
                memberships = mismatch(step, party, when, expected, actual);
            } else {
                // The segments not waiting, as the model says; memberships of deleted segments wait for the backfill.
                Set<String> evaluated = new TreeSet<>(CATALOGS.get(catalog).keySet());
                evaluated.removeAll(party.waiting.keySet());
                Set<String> stood = new TreeSet<>();
                party.waiting.forEach((segment, member) -> {
                    if (member) {
                        stood.add(segment);
                    }
                });
                memberships = mismatch(step, party, when + ", segments not held for the replay", only(expected, evaluated),
                        only(actual, evaluated)).or(() -> mismatch(step, party, when + ", held segments (as they stood)",
                        stood, only(actual, party.waiting.keySet())));
            }
            return memberships.or(() -> {
                // A backfill of SAVED_LATER now: a full evaluation of the stored profile.
                Set<String> savedExpected = engine.matching(savedLater, SCORING, model, Memberships.NONE, clock);
                Set<String> savedActual = engine.matching(savedLater, SCORING, record.profile(), Memberships.NONE, clock);
                return mismatch(step, party, "segments saved " + when, savedExpected, savedActual);
            });
        }

        private static Set<String> only(Set<String> segments, Set<String> kept) {
            Set<String> only = new TreeSet<>(segments);
            only.retainAll(kept);
            return only;
        }

        private Optional<Mismatch> mismatch(int step, Party party, String when, Set<String> expected, Set<String> actual) {
            return expected.equals(actual) ? Optional.empty()
                    : Optional.of(new Mismatch(step, clock - START, party.id, when, expected, Set.copyOf(actual)));
        }
    }
}
