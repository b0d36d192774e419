package io.segflow.segment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.segflow.core.engine.ProfileUpdate;
import io.segflow.core.engine.SegmentEngine;
import io.segflow.core.event.Event;
import io.segflow.core.json.Json;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.membership.Memberships;
import io.segflow.core.membership.SegmentChange;
import jakarta.enterprise.context.ApplicationScoped;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * A user through the engine, for an event or a due wake: update the profile, evaluate what can have changed,
 * store the transitions, schedule the next wake, and claim the user's outbox if records wait there. Returns the
 * claims; {@link ChangePublisher} publishes what they got.
 */
@ApplicationScoped
public class EventProcessor {
    private static final Logger LOG = Logger.getLogger(EventProcessor.class);
    private static final int MAX_ATTEMPTS = 5;

    private final ProfileStore profiles;
    private final SegmentCatalog catalog;
    private final WakeSchedule schedule;
    private final RedisPipeline pipeline;
    private final UserRegistry registry;
    private final Outbox outbox;
    private final SegmentEngine engine;
    private final Counter duplicates;

    EventProcessor(ProfileStore profiles, SegmentCatalog catalog, WakeSchedule schedule, RedisPipeline pipeline,
                   UserRegistry registry, Outbox outbox, MeterRegistry metrics) {
        this.pipeline = pipeline;
        this.outbox = outbox;
        this.registry = registry;
        this.profiles = profiles;
        this.catalog = catalog;
        this.schedule = schedule;
        this.duplicates = metrics.counter("segflow.events.duplicates");
        Counter evaluationErrors = metrics.counter("segflow.rule.evaluation.errors");
        this.engine = new SegmentEngine((condition, user, error) -> {
            evaluationErrors.increment();
            LOG.debugf("Condition %s failed for user %s: %s", condition.source(), user, error.getMessage());
        });
    }

    /** One event: a wave of one. */
    public Outbox.Claim process(Event event, ProfileStore.Position position) {
        return processWave(List.of(new Positioned(event, position))).get(0);
    }

    /** An event with the Kafka position it came from, and the span of its processing ({@link ChangeTracing}). */
    public record Positioned(Event event, ProfileStore.Position position, Span span) {
        public Positioned(Event event, ProfileStore.Position position) {
            this(event, position, Span.getInvalid());
        }
    }

    /**
     * {@link #process} for a wave of events of distinct users, with one pipeline per step: apply all (and register
     * the users for backfills), evaluate all, store all transitions and wakes, update all member indexes and claim
     * the outboxes that hold records. A user whose memberships changed meanwhile (a racing wake) falls back to the
     * one-user path. Returns one outbox claim per event, in order.
     */
    public List<Outbox.Claim> processWave(List<Positioned> wave) {
        SegmentCatalog.Current current = catalog.current();
        long now = System.currentTimeMillis();
        List<Request> applies = new ArrayList<>(wave.size());
        for (Positioned positioned : wave) {
            applies.add(profiles.applyRequest(positioned.event(),
                    ProfileUpdate.operations(positioned.event(), current.index().needs(), current.scoring(), now),
                    positioned.position()));
        }
        List<Response> applied = pipeline.run(applies, ProfileStore.APPLY_EVENT);

        List<Request> writes = new ArrayList<>();
        List<Pending> pending = new ArrayList<>();
        Instant at = Instant.now();
        for (int i = 0; i < wave.size(); i++) {
            Event event = wave.get(i).event();
            String user = event.profileKey();
            ProfileStore.Snapshot snapshot = ProfileStore.snapshotOf(user, applied.get(i));
            if (!snapshot.applied()) {
                // Applied before (a redelivery after a crash, or an SDK retry): evaluate anyway, so that changes a
                // crash kept from being stored or indexed still happen; the diff against stored state finds no
                // transition twice.
                duplicates.increment();
                profiles.reassertMemberIndexes(user, snapshot.memberships());
            }
            String cause = SegmentChange.causedByEvent(event.messageId());
            Pending planned = plan(user, snapshot, memberships -> new Evaluation(
                    engine.onEvent(current.index(), current.scoring(), snapshot.profile(), memberships, event, now), cause),
                    at, writes);
            if (snapshot.profile().totalEvents() <= 1 || planned.evaluation().outcome().catalogRevision().isPresent()) {
                // A new user, or one just evaluated in full because the catalog changed since (also: seen before the
                // registry existed): the backfill must find it. Once evaluated, its later events need not say so again.
                writes.add(registry.registerRequest(user));
            }
            planned.evaluation().outcome().nextWake().ifPresent(wake -> writes.add(schedule.wakeRequest(user, wake)));
            pending.add(planned);
        }
        List<Outbox.Claim> claims = finish(pending, pipeline.run(writes, ProfileStore.APPLY_MEMBERSHIPS), at);
        // Another drainer publishes these outboxes, ours included; should it have died, a wake at the end of its
        // lease does. Rare: a wake racing this event, or a crashed instance.
        pipeline.run(claims.stream().filter(Outbox.Busy.class::isInstance).map(Outbox.Busy.class::cast)
                .map(busy -> schedule.wakeRequest(busy.user(), busy.leaseEnds())).toList());
        return claims;
    }

    /** What one evaluation of a user decided, and the cause its changes carry. */
    private record Evaluation(SegmentEngine.Outcome outcome, String cause) {
    }

    /**
     * One user's part of a wave between its pipelines: {@code storeReply} is its index among the writes, or -1;
     * {@code evaluate} evaluates it again against re-read memberships when the store lost a race.
     */
    private record Pending(String user, ProfileStore.Snapshot snapshot, Evaluation evaluation, List<String> fresh,
                           int storeReply, Function<Memberships, Evaluation> evaluate) {
    }

    /** Evaluates one user against its snapshot and adds its store to {@code writes} if there is anything to store. */
    private Pending plan(String user, ProfileStore.Snapshot snapshot, Function<Memberships, Evaluation> evaluate,
                         Instant at, List<Request> writes) {
        Evaluation evaluation = evaluate.apply(snapshot.memberships());
        List<String> fresh = changeRecords(user, snapshot.memberships(), evaluation, at);
        int store = -1;
        if (evaluation.outcome().needsStore()) {
            store = writes.size();
            writes.add(profiles.storeRequest(user, snapshot.memberships().version(), at, evaluation.outcome(), fresh));
        }
        return new Pending(user, snapshot, evaluation, fresh, store, evaluate);
    }

    private static List<String> changeRecords(String user, Memberships memberships, Evaluation evaluation, Instant at) {
        List<Transition> transitions = evaluation.outcome().transitions();
        return transitions.isEmpty() ? List.of()
                : SegmentEngine.changes(user, transitions, memberships.version() + transitions.size(), at, evaluation.cause())
                .stream().map(Json::write).toList();
    }

    /**
     * After a wave's store pipeline: retry one by one the users whose CAS failed, then index the stored transitions
     * and claim the outboxes that hold records, in one pipeline. Returns one claim per pending user, in order.
     */
    private List<Outbox.Claim> finish(List<Pending> pending, List<Response> written, Instant at) {
        List<Request> followUps = new ArrayList<>();
        List<Boolean> drain = new ArrayList<>(pending.size());
        for (Pending p : pending) {
            if (p.storeReply() < 0) {
                drain.add(p.snapshot().outboxLength() > 0);
            } else if (written.get(p.storeReply()).toLong() >= 0) {
                followUps.addAll(profiles.indexRequests(p.user(), at, p.evaluation().outcome().transitions()));
                drain.add(!p.fresh().isEmpty() || p.snapshot().outboxLength() > 0);
            } else {
                // Memberships moved since they were read (a wake racing an event): evaluate against the new ones,
                // which decide again whether every segment must be (their @catalog may have moved too).
                ProfileStore.Snapshot reread = profiles.read(p.user());
                boolean appended = store(p.user(), reread.memberships(), p.evaluate().apply(reread.memberships()), p.evaluate());
                drain.add(appended || reread.outboxLength() > 0);
            }
        }
        // Claimed after every store of the wave, so a claim sees the records this wave appended. A record appended
        // later is its own path's to claim; one left by a crash is claimed by the next path that sees it.
        String token = Outbox.newToken();
        int firstClaim = followUps.size();
        for (int i = 0; i < pending.size(); i++) {
            if (drain.get(i)) {
                followUps.add(outbox.claimRequest(pending.get(i).user(), token));
            }
        }
        List<Response> replies = pipeline.run(followUps, Outbox.CLAIM);
        long now = System.currentTimeMillis();
        List<Outbox.Claim> claims = new ArrayList<>(pending.size());
        int reply = firstClaim;
        for (int i = 0; i < pending.size(); i++) {
            String user = pending.get(i).user();
            claims.add(drain.get(i) ? Outbox.claimOf(user, token, replies.get(reply++), now) : new Outbox.Empty(user));
        }
        return claims;
    }

    /** The outbox claims of a wave of due wakes, and the reschedules to send once they are published. */
    public record WakeWave(List<Outbox.Claim> claims, List<Request> reschedules) {
    }

    /**
     * Due wakes of distinct users: re-evaluates their time-dependent segments as of now (every segment for users
     * behind the catalog: a backfill), with one pipeline per step. The next wakes are set only after the changes
     * are published (the caller sends {@code reschedules}), so a crash in between brings the user back when its
     * lease ends, outbox and all.
     */
    public WakeWave wakeWave(List<WakeSchedule.Claim> claims) {
        // Refreshed after the claim: a backfill's wake is set after its revision was stored, so it is evaluated
        // against that revision or a newer one, never against an older catalog that the user seems up to date with.
        SegmentCatalog.Current current = catalog.refresh();
        long now = System.currentTimeMillis();
        List<Request> reads = new ArrayList<>(claims.size());
        claims.forEach(claim -> reads.add(profiles.readRequest(claim.user())));
        List<Response> replies = pipeline.run(reads, ProfileStore.READ_USER);

        Instant at = Instant.now();
        String timeCause = "time:" + Instant.ofEpochMilli(now);
        String catalogCause = SegmentChange.causedByCatalog(current.index().revision());
        List<Request> stores = new ArrayList<>();
        List<Pending> pending = new ArrayList<>();
        for (int i = 0; i < claims.size(); i++) {
            WakeSchedule.Claim claim = claims.get(i);
            ProfileStore.Snapshot snapshot = ProfileStore.readSnapshotOf(claim.user(), replies.get(i));
            Pending planned = plan(claim.user(), snapshot, memberships -> {
                SegmentEngine.Outcome outcome = engine.onTime(current.index(), current.scoring(), snapshot.profile(),
                        memberships, now);
                // Every segment evaluated against a new catalog: the changes are the catalog's doing, not time's.
                return new Evaluation(outcome, outcome.catalogRevision().isPresent() ? catalogCause : timeCause);
            }, at, stores);
            pending.add(planned);
        }
        List<Outbox.Claim> outboxes = finish(pending, pipeline.run(stores, ProfileStore.APPLY_MEMBERSHIPS), at);
        List<Request> reschedules = new ArrayList<>(claims.size());
        for (int i = 0; i < claims.size(); i++) {
            OptionalLong next = pending.get(i).evaluation().outcome().nextWake();
            if (outboxes.get(i) instanceof Outbox.Busy busy) {
                // Another drainer publishes this outbox; should it have died, look again when its lease ends.
                next = OptionalLong.of(next.isPresent() ? Math.min(next.getAsLong(), busy.leaseEnds()) : busy.leaseEnds());
            }
            reschedules.add(schedule.rescheduleRequest(claims.get(i), next));
        }
        return new WakeWave(outboxes, reschedules);
    }

    /** The one-user path after a lost compare-and-set; returns whether it appended change records to the outbox. */
    private boolean store(String user, Memberships memberships, Evaluation evaluation,
                          Function<Memberships, Evaluation> evaluate) {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            if (!evaluation.outcome().needsStore()) {
                return false;
            }
            Instant at = Instant.now();
            List<String> fresh = changeRecords(user, memberships, evaluation, at);
            if (profiles.storeTransitions(user, memberships.version(), at, evaluation.outcome(), fresh)) {
                return !fresh.isEmpty();
            }
            // Another instance changed this user's memberships in between (a wake racing an event): diff against theirs.
            memberships = profiles.read(user).memberships();
            evaluation = evaluate.apply(memberships);
        }
        throw new IllegalStateException("memberships of " + user + " kept changing during " + MAX_ATTEMPTS + " attempts");
    }
}
