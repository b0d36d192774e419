package io.segflow.segment.consume;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Lets a warning through at most once per interval and key, so a bad condition does not flood the log. */
final class WarningLimit {
    private final long intervalNanos;
    private final Map<String, Long> lastWarned = new HashMap<>();

    WarningLimit(Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    boolean tryAcquire(String key) {
        long now = System.nanoTime();
        Long last = lastWarned.get(key);
        if (last != null && now - last < intervalNanos) {
            return false;
        }
        if (lastWarned.size() > 1_000) {
            lastWarned.clear();
        }
        lastWarned.put(key, now);
        return true;
    }
}
