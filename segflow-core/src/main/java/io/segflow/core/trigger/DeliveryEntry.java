package io.segflow.core.trigger;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Instant;
import java.util.Locale;

/**
 * One firing in a trigger's deliveries log ({@code GET /v1/triggers/{id}/deliveries}): its latest state.
 *
 * @param lastStatus the HTTP status of the last attempt (null: none, or no HTTP answer)
 * @param suppressed why it was not delivered ({@code cooldown}, {@code cap}, {@code disabled}), else null
 * @param firing     what is delivered again on replay
 */
public record DeliveryEntry(String id, String userId, Status status, int attempts, Integer lastStatus,
                            String lastError, Long latencyMs, Instant nextAttemptAt, String suppressed,
                            Instant updatedAt, Firing firing) {

    public enum Status {
        SCHEDULED, RETRYING, DELIVERED, DEAD, SUPPRESSED, CANCELLED;

        @JsonValue
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static Status of(String wire) {
            return valueOf(wire.toUpperCase(Locale.ROOT));
        }
    }

    /** Log entries kept per trigger, the oldest dropped first. */
    public static final int KEPT = 1_000;
}
