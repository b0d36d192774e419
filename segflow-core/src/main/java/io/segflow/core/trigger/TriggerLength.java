package io.segflow.core.trigger;

import io.segflow.core.profile.Window;
import java.time.Duration;

/** A length as marketers write it ({@code "30m"}, {@code "7d"}), kept with its text so it reads back unchanged. */
public record TriggerLength(String text, long millis) {
    /** Delays, cooldowns and cap periods longer than this are refused: state would outlive any sensible campaign. */
    public static final Duration MAX = Duration.ofDays(90);

    static TriggerLength parse(String text, String field) {
        long millis;
        try {
            millis = Window.parseLength(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidTriggerException(field, e.getMessage());
        }
        if (millis < 1000 || millis > MAX.toMillis()) {
            throw new InvalidTriggerException(field, "must be between 1s and 90d");
        }
        return new TriggerLength(text, millis);
    }

    public Duration duration() {
        return Duration.ofMillis(millis);
    }
}
