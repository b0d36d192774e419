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
    private final SegmentEngine engine;
    private final Counter duplicates;

    EventProcessor(ProfileStore profiles, SegmentCatalog catalog, WakeSchedule schedule, MeterRegistry metrics) {
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

    public Delivery process(Event event, ProfileStore.Position position) {
        SegmentCatalog.Current current = catalog.current();
        long now = System.currentTimeMillis();
        ProfileStore.Snapshot snapshot = profiles.apply(event,
                ProfileUpdate.operations(event, current.index().needs(), current.scoring(), now), position);
        String user = event.profileKey();
        if (!snapshot.applied()) {
            // Applied before (a redelivery after a crash, or an SDK retry): evaluate anyway, so that changes a
            // crash kept from being stored or indexed still happen; the diff against stored state finds no
            // transition twice.
            duplicates.increment();
            profiles.reassertMemberIndexes(user, snapshot.memberships());
        }
        SegmentEngine.Outcome outcome = engine.onEvent(current.index(), current.scoring(), snapshot.profile(),
                snapshot.memberships(), event, now);
        schedule.wakeNoLaterThan(user, outcome.nextWake());
        return store(user, snapshot, outcome.transitions(), SegmentChange.causedByEvent(event.messageId()),
                memberships -> engine.onEvent(current.index(), current.scoring(), snapshot.profile(), memberships, event, now)
                        .transitions());
    }

    /** A due wake: re-evaluates the user's time-dependent segments as of now. */
    public Delivery wake(WakeSchedule.Claim claim) {
        SegmentCatalog.Current current = catalog.current();
        long now = System.currentTimeMillis();
        ProfileStore.Snapshot snapshot = profiles.read(claim.user());
        Profile profile = snapshot.profile();
        SegmentEngine.Outcome outcome = engine.onTime(current.index(), current.scoring(), profile, snapshot.memberships(), now);
        Delivery changes = store(claim.user(), snapshot, outcome.transitions(),
                "time:" + Instant.ofEpochMilli(now),
                memberships -> engine.onTime(current.index(), current.scoring(), profile, memberships, now).transitions());
        schedule.reschedule(claim, outcome.nextWake());
        return changes;
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
