package io.segflow.core.trigger;

import java.time.Instant;

/**
 * A trigger as marketers define it ({@code PUT /v1/triggers/{id}}, docs/triggers.md).
 *
 * @param delay    fire only if the change still holds this long after it (null: at once)
 * @param cooldown no second firing for the same user within this (null: none)
 * @param cap      at most so many firings per user in a period (null: none)
 */
public record TriggerDefinition(String id, String name, When when, TriggerLength delay, TriggerLength cooldown,
                                FrequencyCap cap, TriggerAction action, boolean enabled, Instant updatedAt) {

    /** At most {@code count} firings per user within any {@code per}. */
    public record FrequencyCap(int count, TriggerLength per) {
    }

    /** How long a user's firing times must be kept to decide the cooldown and the cap. */
    public long memoryMillis() {
        return Math.max(cooldown == null ? 0 : cooldown.millis(), cap == null ? 0 : cap.per().millis());
    }
}
