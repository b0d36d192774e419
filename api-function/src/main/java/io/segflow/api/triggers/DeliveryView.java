package io.segflow.api.triggers;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.Firing;
import java.time.Instant;
import java.util.Map;

/**
 * A deliveries log entry as the admin API answers it: the entry, with what fired it, but not where trigger-function
 * keeps the firing's state (its shard and stage; a replay reads those from the log itself).
 */
public record DeliveryView(String id, String userId, DeliveryEntry.Status status, int attempts, Integer lastStatus,
                           String lastError, Long latencyMs, Instant nextAttemptAt, String suppressed, Instant updatedAt,
                           FiringView firing) {

    /**
     * What fired: {@code segmentId} and {@code version} for segment triggers, {@code event} and {@code properties}
     * for event and threshold triggers; {@code traceparent} continues the trace of what fired it.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FiringView(String kind, String segmentId, Long version, String event, Instant at, String cause,
                             Instant firedAt, String traceparent, Map<String, Object> properties) {
        static FiringView of(Firing firing) {
            return firing == null ? null : new FiringView(firing.kind(), firing.segmentId(), firing.version(), firing.event(),
                    firing.at(), firing.cause(), firing.firedAt(), firing.traceparent(), firing.properties());
        }
    }

    static DeliveryView of(DeliveryEntry entry) {
        return new DeliveryView(entry.id(), entry.userId(), entry.status(), entry.attempts(), entry.lastStatus(),
                entry.lastError(), entry.latencyMs(), entry.nextAttemptAt(), entry.suppressed(), entry.updatedAt(),
                FiringView.of(entry.firing()));
    }
}
