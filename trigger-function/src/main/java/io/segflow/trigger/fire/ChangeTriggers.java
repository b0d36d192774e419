package io.segflow.trigger.fire;

import io.segflow.core.membership.SegmentChange;
import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.TriggerDefinition;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.core.trigger.When;
import io.segflow.trigger.deliver.Dispatcher;
import io.segflow.trigger.rules.TriggerCatalog;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Turns one segment change into the firings of the triggers on its segment: at once (unless a cooldown or cap
 * suppresses it), or after the trigger's delay, counted from the change. The opposite change cancels a delay still
 * running: a user who left before the delay was over does not get the firing.
 */
@ApplicationScoped
public class ChangeTriggers {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(ChangeTriggers.class);
    private final TriggerCatalog catalog;
    private final FiringStore store;
    private final DeliveryLog log;
    private final FiringAdmission admission;
    private final Dispatcher dispatcher;

    ChangeTriggers(TriggerCatalog catalog, FiringStore store, DeliveryLog log, FiringAdmission admission, Dispatcher dispatcher) {
        this.catalog = catalog;
        this.store = store;
        this.log = log;
        this.admission = admission;
        this.dispatcher = dispatcher;
    }

    /**
     * Reads the definitions again if they changed; once per consumed batch. With Redis unreachable the last ones read
     * stay: changes of segments without triggers then go on without Redis (the forwarding to segflow.triggers never
     * waits for it), and the others wait for Redis in {@link #onChange}.
     */
    public void refresh() {
        try {
            catalog.refresh();
        } catch (RuntimeException e) {
            if (!catalog.loaded()) {
                throw e; // nothing known yet: every change waits for the definitions
            }
            LOG.debugf("Trigger definitions not reloaded, keeping the last ones: %s", e.toString());
        }
    }

    /** Whether a change of {@code segment} has triggers to decide (and so needs Redis). */
    public boolean hasTriggers(String segment) {
        return !catalog.current().onSegment(segment).isEmpty();
    }

    /**
     * Decides the change's firings and stores them in the shard of its partition; adds those to run now to
     * {@code now}. Handling a change again (after a crash) decides nothing twice: firing ids are stable.
     */
    public void onChange(int partition, SegmentChange change, String traceparent, List<Firing> runNow) {
        List<TriggerDefinition> triggers = catalog.current().onSegment(change.segmentId());
        if (triggers.isEmpty()) {
            return;
        }
        String shard = TriggerKeys.changesShard(partition);
        long now = System.currentTimeMillis();
        for (TriggerDefinition trigger : triggers) {
            When.SegmentChanged when = (When.SegmentChanged) trigger.when();
            if (!when.change().wire().equals(change.change())) {
                if (trigger.delay() != null) {
                    store.cancelPending(shard, trigger.id(), change.userId())
                            .ifPresent(waiting -> log.cancelled(waiting, "the user " + change.change() + " before the delay was over"));
                }
                continue;
            }
            Firing firing = new Firing(Firing.idOf(trigger.id(), change.userId(), change.segmentId() + ":" + change.change() + ":"
                    + change.version() + ":" + change.cause()), trigger.id(), change.userId(), "segment." + change.change(),
                    change.segmentId(), change.version(), null, change.at(), change.cause(), traceparent, shard,
                    trigger.delay() != null ? Firing.Stage.DELAY : Firing.Stage.DELIVER, 0, null, null);
            if (store.decided(firing)) {
                continue;
            }
            if (trigger.delay() != null) {
                long from = change.at() != null ? change.at().toEpochMilli() : now;
                long due = from + trigger.delay().millis();
                store.delay(firing, due, trigger.delay().millis());
                log.scheduled(firing, Instant.ofEpochMilli(due));
                continue;
            }
            admission.admit(trigger, firing.withStage(Firing.Stage.DELIVER, Instant.ofEpochMilli(now)), now).ifPresent(runNow::add);
        }
    }

    public void handOver(List<Firing> firings) {
        if (!firings.isEmpty()) {
            dispatcher.handOver(firings);
        }
    }
}
