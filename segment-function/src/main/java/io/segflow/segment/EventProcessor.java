package io.segflow.segment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.segflow.core.engine.ProfileUpdate;
import io.segflow.core.engine.SegmentEngine;
import io.segflow.core.event.Event;
import io.segflow.core.json.Json;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.membership.Memberships;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.profile.Profile;
import jakarta.enterprise.context.ApplicationScoped;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * A user through the engine, for an event or a due wake: update the profile, evaluate what can have changed,
 * store the transitions, schedule the next wake. Returns the changes to publish.
 */
@ApplicationScoped
public class EventProcessor {
    private static final Logger LOG = Logger.getLogger(EventProcessor.class);
    private static final int MAX_ATTEMPTS = 5;

    private final ProfileStore profiles;
    private final SegmentCatalog catalog;
    private final WakeSchedule schedule;
    private final RedisPipeline pipeline;
    private final SegmentEngine engine;
    private final Counter duplicates;

    EventProcessor(ProfileStore profiles, SegmentCatalog catalog, WakeSchedule schedule, RedisPipeline pipeline,
                   MeterRegistry metrics) {
        this.pipeline = pipeline;
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

    /** Change records to publish for one user: those left in its outbox by an earlier attempt, then the new ones. */
    public record Delivery(String user, List<String> records) {
    }

    /** One event: a wave of one. */
    public Delivery process(Event event, ProfileStore.Position position) {
        return processWave(List.of(new Positioned(event, position))).get(0);
    }

    /** An event with the Kafka position it came from. */
    public record Positioned(Event event, ProfileStore.Position position) {
    }

    /**
     * {@link #process} for a wave of events of distinct users, with one pipeline per step: apply all, evaluate
     * all, store all transitions and wakes, update all member indexes. A user whose memberships changed
     * meanwhile (a racing wake) falls back to the one-user path.
     */
    public List<Delivery> processWave(List<Positioned> wave) {
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
            SegmentEngine.Outcome outcome = engine.onEvent(current.index(), current.scoring(), snapshot.profile(),
                    snapshot.memberships(), event, now);
            if (outcome.nextWake().isPresent()) {
                writes.add(schedule.wakeRequest(user, outcome.nextWake().getAsLong()));
            }
            List<String> fresh = outcome.transitions().isEmpty() ? List.of()
                    : SegmentEngine.changes(user, outcome.transitions(), snapshot.memberships().version() + outcome.transitions().size(),
                            at, SegmentChange.causedByEvent(event.messageId())).stream().map(Json::write).toList();
            int store = -1;
            if (!fresh.isEmpty()) {
                store = writes.size();
                writes.add(profiles.storeRequest(user, snapshot.memberships().version(), at, outcome.transitions(), fresh));
            }
            pending.add(new Pending(user, snapshot, outcome, fresh, store,
                    memberships -> engine.onEvent(current.index(), current.scoring(), snapshot.profile(), memberships, event, now)
                            .transitions(), SegmentChange.causedByEvent(event.messageId())));
        }
        return finish(pending, pipeline.run(writes, ProfileStore.APPLY_MEMBERSHIPS), at);
    }

    /** After a wave's store pipeline: index the stored transitions, retry one by one those whose CAS failed. */
    private List<Delivery> finish(List<Pending> pending, List<Response> written, Instant at) {
        List<Delivery> deliveries = new ArrayList<>(pending.size());
        List<Request> indexes = new ArrayList<>();
        for (Pending p : pending) {
            if (p.storeReply() < 0) {
                deliveries.add(new Delivery(p.user(), p.snapshot().unpublished()));
            } else if (written.get(p.storeReply()).toLong() >= 0) {
                indexes.addAll(profiles.indexRequests(p.user(), at, p.outcome().transitions()));
                List<String> records = new ArrayList<>(p.snapshot().unpublished());
                records.addAll(p.fresh());
                deliveries.add(new Delivery(p.user(), records));
            } else {
                // Memberships moved since they were read (a wake racing an event): diff against the new ones.
                ProfileStore.Snapshot reread = profiles.read(p.user());
                deliveries.add(store(p.user(), reread, p.recompute().apply(reread.memberships()), p.cause(), p.recompute()));
            }
        }
        pipeline.run(indexes);
        return deliveries;
    }

    /** One user's part of a wave between its pipelines; {@code storeReply} is its index among the writes, or -1. */
    private record Pending(String user, ProfileStore.Snapshot snapshot, SegmentEngine.Outcome outcome, List<String> fresh,
                           int storeReply, Function<Memberships, List<Transition>> recompute, String cause) {
    }

    /** The changes of a wave of due wakes, and the reschedules to send once they are published. */
    public record WakeWave(List<Delivery> deliveries, List<Request> reschedules) {
    }

    /**
     * Due wakes of distinct users: re-evaluates their time-dependent segments as of now, with one pipeline per
     * step. The next wakes are set only after the changes are published (the caller sends {@code reschedules}),
     * so a crash in between brings the user back when its lease ends, outbox and all.
     */
    public WakeWave wakeWave(List<WakeSchedule.Claim> claims) {
        SegmentCatalog.Current current = catalog.current();
        long now = System.currentTimeMillis();
        List<Request> reads = new ArrayList<>(claims.size());
        claims.forEach(claim -> reads.add(profiles.readRequest(claim.user())));
        List<Response> replies = pipeline.run(reads, ProfileStore.READ_USER);

        Instant at = Instant.now();
        String cause = "time:" + Instant.ofEpochMilli(now);
        List<Request> stores = new ArrayList<>();
        List<Pending> pending = new ArrayList<>();
        List<Request> reschedules = new ArrayList<>(claims.size());
        for (int i = 0; i < claims.size(); i++) {
            WakeSchedule.Claim claim = claims.get(i);
            ProfileStore.Snapshot snapshot = ProfileStore.readSnapshotOf(claim.user(), replies.get(i));
            SegmentEngine.Outcome outcome = engine.onTime(current.index(), current.scoring(), snapshot.profile(),
                    snapshot.memberships(), now);
            reschedules.add(schedule.rescheduleRequest(claim, outcome.nextWake()));
            List<String> fresh = outcome.transitions().isEmpty() ? List.of()
                    : SegmentEngine.changes(claim.user(), outcome.transitions(),
                            snapshot.memberships().version() + outcome.transitions().size(), at, cause)
                    .stream().map(Json::write).toList();
            int store = -1;
            if (!fresh.isEmpty()) {
                store = stores.size();
                stores.add(profiles.storeRequest(claim.user(), snapshot.memberships().version(), at, outcome.transitions(), fresh));
            }
            pending.add(new Pending(claim.user(), snapshot, outcome, fresh, store,
                    memberships -> engine.onTime(current.index(), current.scoring(), snapshot.profile(), memberships, now)
                            .transitions(), cause));
        }
        return new WakeWave(finish(pending, pipeline.run(stores, ProfileStore.APPLY_MEMBERSHIPS), at), reschedules);
    }

    private Delivery store(String user, ProfileStore.Snapshot snapshot, List<Transition> transitions, String cause,
                           Function<Memberships, List<Transition>> recompute) {
        List<String> records = new ArrayList<>(snapshot.unpublished());
        Memberships memberships = snapshot.memberships();
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            if (transitions.isEmpty()) {
                return new Delivery(user, records);
            }
            Instant at = Instant.now();
            List<String> fresh = SegmentEngine.changes(user, transitions, memberships.version() + transitions.size(), at, cause)
                    .stream().map(Json::write).toList();
            if (profiles.storeTransitions(user, memberships.version(), at, transitions, fresh)) {
                records.addAll(fresh);
                return new Delivery(user, records);
            }
            // Another instance changed this user's memberships in between (a wake racing an event): diff against theirs.
            memberships = profiles.read(user).memberships();
            transitions = recompute.apply(memberships);
        }
        throw new IllegalStateException("memberships of " + user + " kept changing during " + MAX_ATTEMPTS + " attempts");
    }
}
