package io.segflow.segment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.segflow.core.event.Event;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.membership.SegmentEngine;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * One event through the engine: update the profile, evaluate the segments, store the transitions.
 * Returns the changes to publish.
 */
@ApplicationScoped
public class EventProcessor {
    private static final Logger LOG = Logger.getLogger(EventProcessor.class);
    private static final int MAX_ATTEMPTS = 5;

    private final ProfileStore profiles;
    private final SegmentCatalog catalog;
    private final SegmentEngine engine;
    private final Counter duplicates;

    EventProcessor(ProfileStore profiles, SegmentCatalog catalog, MeterRegistry metrics) {
        this.profiles = profiles;
        this.catalog = catalog;
        this.duplicates = metrics.counter("segflow.events.duplicates");
        Counter evaluationErrors = metrics.counter("segflow.rule.evaluation.errors");
        this.engine = new SegmentEngine((condition, user, error) -> {
            evaluationErrors.increment();
            LOG.debugf("Condition %s failed for user %s: %s", condition.source(), user, error.getMessage());
        });
    }

    public List<SegmentChange> process(Event event) {
        ProfileStore.Applied applied = profiles.apply(event);
        if (!applied.fresh()) {
            // Counted before: evaluate anyway, so that a crash after the profile write still gets its changes out.
            duplicates.increment();
        }
        String user = event.profileKey();
        var memberships = applied.memberships();
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            List<Transition> transitions = engine.transitions(applied.profile(), memberships, catalog.current());
            if (transitions.isEmpty()) {
                return List.of();
            }
            Instant at = Instant.now();
            long version = profiles.storeTransitions(user, memberships.version(), at, transitions);
            if (version >= 0) {
                return SegmentEngine.changes(user, transitions, version, at, SegmentChange.causedByEvent(event.messageId()));
            }
            // Someone else changed this user's memberships in between (a rebalance); compare with theirs.
            memberships = profiles.memberships(user);
        }
        throw new IllegalStateException("memberships of " + user + " kept changing during " + MAX_ATTEMPTS + " attempts");
    }
}
