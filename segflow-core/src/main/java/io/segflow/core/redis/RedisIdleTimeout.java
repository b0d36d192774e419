package io.segflow.core.redis;

import java.time.Duration;
import java.util.Optional;

/**
 * The Redis client's idle timeout ({@code quarkus.redis.tcp.idle-timeout}): a connection silent that long is closed,
 * also under a {@code WAIT} still running on it, so a replica wait must stay under it.
 */
public final class RedisIdleTimeout {
    private RedisIdleTimeout() {
    }

    /** As Vert.x applies it: whole seconds, cut down; 0 for none. */
    public static long seconds(Optional<Duration> idleTimeout) {
        return idleTimeout.map(Duration::toSeconds).orElse(0L);
    }

    /** Whether a wait of {@code wait} on one connection would be closed under by the idle timeout. */
    public static boolean cutsShort(Duration wait, Optional<Duration> idleTimeout) {
        long seconds = seconds(idleTimeout);
        return seconds > 0 && wait.compareTo(Duration.ofSeconds(seconds)) >= 0;
    }
}
