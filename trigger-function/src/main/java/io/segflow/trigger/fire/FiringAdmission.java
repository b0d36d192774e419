package io.segflow.trigger.fire;

import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.TriggerDefinition;
import io.segflow.trigger.deliver.Dispatcher;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * The one way a firing of any kind of trigger is let through: its user's cooldown and cap first (a suppressed firing
 * is counted and logged with its reason, never silently dropped), then stored, leased for delivery and counted. An
 * admitted firing enters the deliveries log with its first attempt's outcome.
 */
@ApplicationScoped
public class FiringAdmission {
    private final FiringStore store;
    private final DeliveryLog log;
    private final TriggerMetrics metrics;
    private final Dispatcher dispatcher;

    FiringAdmission(FiringStore store, DeliveryLog log, TriggerMetrics metrics, Dispatcher dispatcher) {
        this.store = store;
        this.log = log;
        this.metrics = metrics;
        this.dispatcher = dispatcher;
    }

    /** The firing to deliver now, or empty when a cooldown or cap suppressed it. */
    public Optional<Firing> admit(TriggerDefinition trigger, Firing firing, long now) {
        FiringStore.Limit limit = store.limit(trigger, firing, now);
        RedisBatch writes = store.writes();
        Optional<Firing> admitted = admit(writes, trigger, firing, now, limit);
        writes.send();
        return admitted;
    }

    /**
     * As {@link #admit(TriggerDefinition, Firing, long)} with the cooldown and cap already read
     * ({@link FiringStore#limit(RedisBatch, TriggerDefinition, Firing, long)}): the firing is stored, and
     * counted, when {@code writes} is sent; it must not be attempted before. The firings of a merged id that the
     * limit counted join the user's, suppressed or not.
     */
    public Optional<Firing> admit(RedisBatch writes, TriggerDefinition trigger, Firing firing, long now, FiringStore.Limit limit) {
        store.keepMerged(writes, trigger, firing, limit.merged());
        Optional<String> suppressed = limit.suppressed();
        if (suppressed.isPresent()) {
            log.suppressed(writes, firing, suppressed.get());
            writes.afterSend(() -> metrics.suppressed(trigger.id(), suppressed.get()));
            return Optional.empty();
        }
        // Logged with its first outcome, not also now: the log entry carries the whole firing, and writing it twice
        // per firing was nearly a third of the bytes Redis writes (its AOF) per firing.
        store.fire(writes, trigger, firing, now, dispatcher.leaseFrom(now));
        writes.afterSend(() -> metrics.fired(trigger.id()));
        return Optional.of(firing);
    }
}
