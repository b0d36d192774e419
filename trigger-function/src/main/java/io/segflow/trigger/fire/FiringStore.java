package io.segflow.trigger.fire;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.sortedset.ScoreRange;
import io.quarkus.redis.datasource.sortedset.ScoredValue;
import io.quarkus.redis.datasource.sortedset.ZAddArgs;
import io.quarkus.redis.datasource.sortedset.ZRangeArgs;
import io.quarkus.redis.datasource.value.SetArgs;
import io.segflow.core.json.Json;
import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.TriggerDefinition;
import io.segflow.core.trigger.TriggerKeys;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Firings as they wait in Redis, per shard ({@link TriggerKeys}): the schedule of due steps, the firings themselves,
 * the firing times behind cooldowns and caps, and pending delays. Every write of one firing is one MULTI on its
 * shard's slot. One instance owns a shard at a time (its Kafka partition), so reads then writes need no script.
 */
@ApplicationScoped
public class FiringStore {
    private final RedisDataSource redis;

    FiringStore(RedisDataSource redis) {
        this.redis = redis;
    }

    /** Whether this firing was already decided (a change handled again after a crash is not fired twice). */
    public boolean decided(Firing firing) {
        return redis.sortedSet(String.class).zscore(TriggerKeys.fired(firing.shard(), firing.triggerId(), firing.userId()), firing.id())
                .isPresent();
    }

    /** Why the user may not be fired at now ({@code cooldown}, {@code cap}), or empty. */
    public Optional<String> limit(TriggerDefinition trigger, String shard, String userId, long now) {
        if (trigger.cooldown() == null && trigger.cap() == null) {
            return Optional.empty();
        }
        List<ScoredValue<String>> fired = redis.sortedSet(String.class).zrangebyscoreWithScores(
                TriggerKeys.fired(shard, trigger.id(), userId), ScoreRange.from((double) (now - trigger.memoryMillis()), Double.POSITIVE_INFINITY));
        if (trigger.cooldown() != null && fired.stream().anyMatch(f -> f.score() > now - trigger.cooldown().millis())) {
            return Optional.of("cooldown");
        }
        if (trigger.cap() != null
                && fired.stream().filter(f -> f.score() > now - trigger.cap().per().millis()).count() >= trigger.cap().count()) {
            return Optional.of("cap");
        }
        return Optional.empty();
    }

    /**
     * Records the firing as fired at {@code now} (for cooldowns and caps) and puts it in the schedule, due at
     * {@code due}: the dispatcher claims it then, or at once when it is handed over directly.
     */
    public void fire(TriggerDefinition trigger, Firing firing, long now, long due) {
        String fired = TriggerKeys.fired(firing.shard(), firing.triggerId(), firing.userId());
        long memory = Math.max(trigger.memoryMillis(), 60_000);
        redis.withTransaction(tx -> {
            tx.sortedSet(String.class).zadd(fired, now, firing.id());
            tx.sortedSet(String.class).zremrangebyscore(fired, ScoreRange.from(Double.NEGATIVE_INFINITY, (double) (now - memory)));
            tx.key().pexpire(fired, memory);
            tx.hash(String.class).hset(TriggerKeys.jobs(firing.shard()), firing.id(), Json.write(firing));
            tx.sortedSet(String.class).zadd(TriggerKeys.due(firing.shard()), due, firing.id());
            tx.key().del(TriggerKeys.pending(firing.shard(), firing.triggerId(), firing.userId()));
        });
    }

    /** A firing waiting out its trigger's delay, due when it is over; remembered as the user's pending one. */
    public void delay(Firing firing, long due, long delayMillis) {
        redis.withTransaction(tx -> {
            tx.hash(String.class).hset(TriggerKeys.jobs(firing.shard()), firing.id(), Json.write(firing));
            tx.sortedSet(String.class).zadd(TriggerKeys.due(firing.shard()), due, firing.id());
            tx.value(String.class).set(TriggerKeys.pending(firing.shard(), firing.triggerId(), firing.userId()), firing.id(),
                    new SetArgs().px(delayMillis + 3_600_000));
        });
    }

    /** Cancels the user's firing waiting out its delay, if there is one; returns it. */
    public Optional<Firing> cancelPending(String shard, String triggerId, String userId) {
        String pending = TriggerKeys.pending(shard, triggerId, userId);
        String id = redis.value(String.class).get(pending);
        if (id == null) {
            return Optional.empty();
        }
        String json = redis.hash(String.class).hget(TriggerKeys.jobs(shard), id);
        redis.withTransaction(tx -> {
            tx.sortedSet(String.class).zrem(TriggerKeys.due(shard), id);
            tx.hash(String.class).hdel(TriggerKeys.jobs(shard), id);
            tx.key().del(pending);
        });
        return Optional.ofNullable(json).map(j -> Json.read(j, Firing.class));
    }

    /**
     * The shard's firings due by {@code now}, each pushed back to {@code leaseUntil}: a claimed firing whose owner
     * dies before it settles is due again then, for whoever owns the shard.
     */
    public List<Firing> claimDue(String shard, long now, int limit, long leaseUntil) {
        List<String> ids = redis.sortedSet(String.class).zrangebyscore(TriggerKeys.due(shard),
                ScoreRange.from(Double.NEGATIVE_INFINITY, (double) now), new ZRangeArgs().limit(0, limit));
        if (ids.isEmpty()) {
            return List.of();
        }
        Map<String, Double> lease = new HashMap<>();
        ids.forEach(id -> lease.put(id, (double) leaseUntil));
        redis.sortedSet(String.class).zadd(TriggerKeys.due(shard), new ZAddArgs().xx(), lease);
        Map<String, String> jobs = redis.hash(String.class).hmget(TriggerKeys.jobs(shard), ids.toArray(String[]::new));
        List<Firing> due = new ArrayList<>(ids.size());
        for (String id : ids) {
            String json = jobs.get(id);
            if (json == null) {
                redis.sortedSet(String.class).zrem(TriggerKeys.due(shard), id); // settled meanwhile
            } else {
                due.add(Json.read(json, Firing.class));
            }
        }
        return due;
    }

    /** Stores the firing's next state and its next due time. */
    public void reschedule(Firing firing, long due) {
        redis.withTransaction(tx -> {
            tx.hash(String.class).hset(TriggerKeys.jobs(firing.shard()), firing.id(), Json.write(firing));
            tx.sortedSet(String.class).zadd(TriggerKeys.due(firing.shard()), due, firing.id());
        });
    }

    /** The firing is settled (delivered, dead, dropped): out of the schedule. */
    public void settle(Firing firing) {
        redis.withTransaction(tx -> {
            tx.sortedSet(String.class).zrem(TriggerKeys.due(firing.shard()), firing.id());
            tx.hash(String.class).hdel(TriggerKeys.jobs(firing.shard()), firing.id());
        });
    }

    /** Marks the trigger's endpoint as gone (it answered 410): trigger-functions reload and stop firing it. */
    public void disable(String triggerId, String reason) {
        redis.withTransaction(tx -> {
            tx.hash(String.class).hset(TriggerKeys.DISABLED, triggerId, Json.write(Map.of("reason", reason,
                    "at", java.time.Instant.now().toString())));
            tx.value(Long.class).incr(TriggerKeys.REVISION);
        });
    }

    /** Where the user's threshold value was last ({@code above}, {@code below}, {@code at}), or null. */
    public String side(String shard, String triggerId, String userId) {
        return redis.value(String.class).get(TriggerKeys.side(shard, triggerId, userId));
    }

    public void side(String shard, String triggerId, String userId, String side) {
        redis.value(String.class).set(TriggerKeys.side(shard, triggerId, userId), side, new SetArgs().px(java.time.Duration.ofDays(400).toMillis()));
    }
}
