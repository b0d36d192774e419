package io.segflow.trigger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.membership.TriggerRecord;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Writes one trigger record per segment change to {@code segflow.triggers}. Trigger rules (which changes fire,
 * cooldowns, frequency caps, webhooks) come later; this is the durable plumbing they build on.
 */
@ApplicationScoped
public class TriggerRouter {
    private static final Logger LOG = Logger.getLogger(TriggerRouter.class);

    private final MutinyEmitter<Record<String, String>> triggers;
    private final Counter fired;
    private final Counter unreadable;

    TriggerRouter(@Channel("triggers") MutinyEmitter<Record<String, String>> triggers, MeterRegistry metrics) {
        this.triggers = triggers;
        this.fired = metrics.counter("segflow.triggers.fired");
        this.unreadable = metrics.counter("segflow.segment-changes.unreadable");
    }

    /** Blocking so that the offset is committed only after the trigger record is acknowledged. */
    @Incoming("segment-changes")
    @Blocking
    public void onSegmentChange(String json) {
        SegmentChange change;
        try {
            change = Json.read(json, SegmentChange.class);
        } catch (UncheckedIOException e) {
            unreadable.increment();
            LOG.warnf("Skipping an unreadable record on segflow.segment-changes: %s", e.getMessage());
            return;
        }
        TriggerRecord trigger = TriggerRecord.fromSegmentChange(change);
        triggers.sendAndAwait(Record.of(trigger.userId(), Json.write(trigger)));
        fired.increment();
    }
}
