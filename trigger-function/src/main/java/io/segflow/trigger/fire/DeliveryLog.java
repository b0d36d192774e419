package io.segflow.trigger.fire;

import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.core.json.Json;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.TriggerKeys;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Each trigger's recent firings and their state, for {@code GET /v1/triggers/{id}/deliveries}; trimmed to the newest.
 * Methods taking a {@link RedisBatch} write when it is sent, the others at once.
 */
@ApplicationScoped
public class DeliveryLog {
    /** Trim about once per this many writes: ZCARD on every write would double the log's cost. */
    private static final int TRIM_EVERY = 50;

    private final RedisDataSource redis;

    DeliveryLog(RedisDataSource redis) {
        this.redis = redis;
    }

    public void scheduled(RedisBatch writes, Firing firing, Instant next) {
        write(writes, firing, DeliveryEntry.Status.SCHEDULED, null, null, null, next, null);
    }

    public void suppressed(Firing firing, String reason) {
        RedisBatch writes = RedisBatch.writes(redis);
        suppressed(writes, firing, reason);
        writes.send();
    }

    public void suppressed(RedisBatch writes, Firing firing, String reason) {
        write(writes, firing, DeliveryEntry.Status.SUPPRESSED, null, null, null, null, reason);
    }

    public void cancelled(Firing firing, String reason) {
        RedisBatch writes = RedisBatch.writes(redis);
        cancelled(writes, firing, reason);
        writes.send();
    }

    public void cancelled(RedisBatch writes, Firing firing, String reason) {
        write(writes, firing, DeliveryEntry.Status.CANCELLED, null, null, null, null, reason);
    }

    public void attempt(Firing firing, DeliveryEntry.Status status, Integer httpStatus, String error, long latencyMs, Instant next) {
        RedisBatch writes = RedisBatch.writes(redis);
        attempt(writes, firing, status, httpStatus, error, latencyMs, next);
        writes.send();
    }

    public void attempt(RedisBatch writes, Firing firing, DeliveryEntry.Status status, Integer httpStatus, String error,
                        long latencyMs, Instant next) {
        write(writes, firing, status, httpStatus, error, latencyMs, next, null);
    }

    private void write(RedisBatch writes, Firing firing, DeliveryEntry.Status status, Integer httpStatus, String error,
                       Long latencyMs, Instant next, String suppressed) {
        Instant now = Instant.now();
        DeliveryEntry entry = new DeliveryEntry(firing.id(), firing.userId(), status, firing.attempts(), httpStatus, error,
                latencyMs, next, suppressed, now, firing);
        String log = TriggerKeys.log(firing.triggerId());
        String recent = TriggerKeys.recent(firing.triggerId());
        String tag = "trg:" + firing.triggerId();
        writes.add(tag, List.of(Request.cmd(Command.HSET).arg(log).arg(firing.id()).arg(Json.write(entry)),
                Request.cmd(Command.ZADD).arg(recent).arg(now.toEpochMilli()).arg(firing.id())));
        if (ThreadLocalRandom.current().nextInt(TRIM_EVERY) == 0) {
            writes.afterSend(() -> trim(log, recent));
        }
    }

    private void trim(String log, String recent) {
        long excess = redis.sortedSet(String.class).zcard(recent) - DeliveryEntry.KEPT;
        if (excess > 0) {
            List<String> oldest = redis.sortedSet(String.class).zrange(recent, 0, excess - 1);
            redis.withTransaction(tx -> {
                tx.sortedSet(String.class).zrem(recent, oldest.toArray(String[]::new));
                tx.hash(String.class).hdel(log, oldest.toArray(String[]::new));
            });
        }
    }
}
