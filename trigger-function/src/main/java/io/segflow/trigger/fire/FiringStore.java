package io.segflow.trigger.fire;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.sortedset.ZAddArgs;
import io.quarkus.redis.datasource.transactions.OptimisticLockingTransactionResult;
import io.segflow.core.json.IsoInstants;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.TriggerDefinition;
import io.segflow.core.trigger.TriggerKeys;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Firings as they wait in Redis, per shard ({@link TriggerKeys}): the schedule of due steps, the firings themselves,
 * the firing times behind cooldowns and caps, and pending delays. What is kept per user is kept per trigger generation
 * too: a trigger created again under a deleted one's id finds none of it. Every write of one firing is in one MULTI on its
 * shard's slot; methods taking a {@link RedisBatch} add their commands to it, so that a consumed batch's firings
 * are read and stored in one pipelined round trip (per shard on a Redis Cluster). One instance owns a shard at a time (its Kafka partition), so reads then writes need no script.
 */
@ApplicationScoped
public class FiringStore {
    /**
     * Deletes KEYS[1] if it holds ARGV[1]: a delayed firing that fires is no longer the user's pending one, unless a
     * later change (a re-entry after an exit that came after its due time) made another firing the pending one.
     */
    private static final String DELETE_IF_EQUAL =
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

    /**
     * Marks trigger ARGV[1] disabled in KEYS[1] (why: ARGV[2]) unless it is already, and only then bumps the revision
     * KEYS[2]: however many firings got the 410, trigger-functions reload once. Returns 1 when this call disabled it.
     */
    private static final String DISABLE_ONCE = "if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end "
            + "redis.call('INCR', KEYS[2]) return 1";

    /** How long a user's threshold side is remembered after their last event that moved it. */
    private static final Duration SIDE_MEMORY = Duration.ofDays(400);

    private final RedisDataSource redis;
    private final RedisBatches batches;
    private final ChangePartitions partitions;

    FiringStore(RedisDataSource redis, RedisBatches batches, ChangePartitions partitions) {
        this.redis = redis;
        this.batches = batches;
        this.partitions = partitions;
    }

    /** A batch of reads for the methods below that take one; send it, then read their answers. */
    public RedisBatch reads() {
        return batches.reads();
    }

    /** A batch of writes for the methods below that take one: one MULTI/EXEC (per shard on a Redis Cluster). */
    public RedisBatch writes() {
        return batches.writes();
    }

    /** Whether this firing was already decided (a change handled again after a crash is not fired twice). */
    public boolean decided(Firing firing) {
        RedisBatch reads = reads();
        Supplier<Boolean> decided = decided(reads, firing);
        reads.send();
        return decided.get();
    }

    /** As {@link #decided(Firing)}, answered once {@code reads} is sent. */
    public Supplier<Boolean> decided(RedisBatch reads, Firing firing) {
        RedisBatch.Reply score = reads.add(firing.shard(), Request.cmd(Command.ZSCORE).arg(fired(firing)).arg(firing.id()));
        return () -> score.get() != null;
    }

    /**
     * What a firing's cooldown and cap decided: why it is suppressed ({@code cooldown}, {@code cap}; empty: it fires),
     * and the firings of the id merged into its user that were counted (firing id to epoch millis fired), which
     * {@link #keepMerged} keeps with the user's.
     */
    public record Limit(Optional<String> suppressed, Map<String, Double> merged) {
        static final Limit NONE = new Limit(Optional.empty(), Map.of());
    }

    /**
     * The firing's cooldown and cap over its user's firings of the trigger; for the change a merge caused the user
     * (cause {@code merged:<id>}), over the merged id's firings as well: one person's.
     */
    public Limit limit(TriggerDefinition trigger, Firing firing, long now) {
        RedisBatch reads = reads();
        Supplier<Limit> limit = limit(reads, trigger, firing, now);
        reads.send();
        return limit.get();
    }

    /** As {@link #limit(TriggerDefinition, Firing, long)}, answered once {@code reads} is sent. */
    public Supplier<Limit> limit(RedisBatch reads, TriggerDefinition trigger, Firing firing, long now) {
        if (trigger.cooldown() == null && trigger.cap() == null) {
            return () -> Limit.NONE;
        }
        Supplier<Map<String, Double>> own = firings(reads, firing.shard(), fired(firing), trigger, now);
        Supplier<Map<String, Double>> merged = mergedFirings(reads, trigger, firing, now);
        return () -> {
            // By firing id: the merged id's firings kept with the user's already count once.
            Map<String, Double> mergedFired = merged.get();
            Map<String, Double> fired = new HashMap<>(own.get());
            fired.putAll(mergedFired);
            return new Limit(suppressed(trigger, fired.values(), now), mergedFired);
        };
    }

    private static Optional<String> suppressed(TriggerDefinition trigger, Collection<Double> times, long now) {
        if (trigger.cooldown() != null && times.stream().anyMatch(t -> t > now - trigger.cooldown().millis())) {
            return Optional.of("cooldown");
        }
        if (trigger.cap() != null && times.stream().filter(t -> t > now - trigger.cap().per().millis()).count() >= trigger.cap().count()) {
            return Optional.of("cap");
        }
        return Optional.empty();
    }

    /**
     * The firings of the trigger, within its memory, of the id the firing's cause names as merged into its user
     * ({@code merged:<id>}); none for any other firing. Read from the merged id's shard, which another instance may
     * own: a read, never a write there.
     */
    private Supplier<Map<String, Double>> mergedFirings(RedisBatch reads, TriggerDefinition trigger, Firing firing, long now) {
        String mergedId = firing.segmentId() == null ? null : SegmentChange.mergedIdOf(firing.cause());
        if (mergedId == null) {
            return Map::of;
        }
        String shard = partitions.shardOf(mergedId);
        return firings(reads, shard, TriggerKeys.fired(shard, firing.triggerId(), generationOf(firing), mergedId), trigger, now);
    }

    private static Supplier<Map<String, Double>> firings(RedisBatch reads, String shard, String key, TriggerDefinition trigger, long now) {
        RedisBatch.Reply fired = reads.add(shard, Request.cmd(Command.ZRANGEBYSCORE).arg(key)
                .arg(now - trigger.memoryMillis()).arg("+inf").arg("WITHSCORES"));
        return () -> firings(fired.get());
    }

    /** Members and scores of a WITHSCORES answer: member/score pairs (RESP3) or alternating members and scores (RESP2). */
    private static Map<String, Double> firings(Response answer) {
        Map<String, Double> firings = new HashMap<>();
        if (answer == null) {
            return firings;
        }
        for (int i = 0; i < answer.size(); i++) {
            Response element = answer.get(i);
            if (element.type() == ResponseType.MULTI) {
                firings.put(element.get(0).toString(), element.get(1).toDouble());
            } else if (i % 2 == 1) {
                firings.put(answer.get(i - 1).toString(), element.toDouble());
            }
        }
        return firings;
    }

    /**
     * Keeps the merged id's firings a {@link Limit} counted ({@link Limit#merged()}) with the firing's user's, once
     * {@code writes} is sent: the user's later firings of the trigger count them too, whatever became of this one.
     */
    public void keepMerged(RedisBatch writes, TriggerDefinition trigger, Firing firing, Map<String, Double> merged) {
        if (merged.isEmpty()) {
            return;
        }
        String fired = fired(firing);
        Request add = Request.cmd(Command.ZADD).arg(fired);
        merged.forEach((id, at) -> add.arg(at.longValue()).arg(id));
        // As a firing's own time: the trigger's memory from now outlasts every time the key holds.
        writes.add(firing.shard(), List.of(add, Request.cmd(Command.PEXPIRE).arg(fired).arg(keptMillis(trigger))));
    }

    /**
     * Records the firing as fired at {@code now} (for cooldowns and caps) and puts it in the schedule, due at
     * {@code due}: the dispatcher claims it then, or at once when it is handed over directly.
     */
    public void fire(TriggerDefinition trigger, Firing firing, long now, long due) {
        RedisBatch writes = writes();
        fire(writes, trigger, firing, now, due);
        writes.send();
    }

    /** As {@link #fire(TriggerDefinition, Firing, long, long)}, stored once {@code writes} is sent. */
    public void fire(RedisBatch writes, TriggerDefinition trigger, Firing firing, long now, long due) {
        String shard = firing.shard();
        String fired = fired(firing);
        long memory = keptMillis(trigger);
        List<Request> commands = new ArrayList<>(List.of(
                Request.cmd(Command.ZADD).arg(fired).arg(now).arg(firing.id()),
                Request.cmd(Command.ZREMRANGEBYSCORE).arg(fired).arg("-inf").arg(now - memory),
                Request.cmd(Command.PEXPIRE).arg(fired).arg(memory),
                Request.cmd(Command.HSET).arg(TriggerKeys.jobs(shard)).arg(firing.id()).arg(Json.write(firing)),
                Request.cmd(Command.ZADD).arg(TriggerKeys.due(shard)).arg(due).arg(firing.id())));
        if (trigger.delay() != null) {
            // Only a delayed firing was the user's pending one: a firing at once has nothing to clear.
            commands.add(Request.cmd(Command.EVAL).arg(DELETE_IF_EQUAL).arg(1).arg(pending(firing)).arg(firing.id()));
        }
        writes.add(shard, commands);
    }

    /** How long a user's firing times of the trigger are kept: what its cooldown and cap need, at least a minute. */
    private static long keptMillis(TriggerDefinition trigger) {
        return Math.max(trigger.memoryMillis(), 60_000);
    }

    /** A firing waiting out its trigger's delay, due when it is over; remembered as the user's pending one. */
    public void delay(RedisBatch writes, Firing firing, long due, long delayMillis) {
        String shard = firing.shard();
        writes.add(shard, List.of(
                Request.cmd(Command.HSET).arg(TriggerKeys.jobs(shard)).arg(firing.id()).arg(Json.write(firing)),
                Request.cmd(Command.ZADD).arg(TriggerKeys.due(shard)).arg(due).arg(firing.id()),
                Request.cmd(Command.SET).arg(pending(firing)).arg(firing.id()).arg("PX").arg(delayMillis + 3_600_000)));
    }

    /**
     * The generation whose per-user state the firing reads and writes: the one it was fired under, or 0 (the bare
     * trigger id) for a firing that carries none.
     */
    private static long generationOf(Firing firing) {
        return firing.generation() == null ? 0 : firing.generation();
    }

    private static String fired(Firing firing) {
        return TriggerKeys.fired(firing.shard(), firing.triggerId(), generationOf(firing), firing.userId());
    }

    private static String pending(Firing firing) {
        return TriggerKeys.pending(firing.shard(), firing.triggerId(), generationOf(firing), firing.userId());
    }

    /**
     * Forgets what the shard keeps of an id for the triggers {@code generations} (trigger id to generation): firing
     * times (cooldowns, caps), the pending delay's id, the threshold side. For an erased user, and for an id merged
     * into another user (never read again). Firings already stored run their course.
     */
    public void forget(RedisBatch writes, String shard, Map<String, Long> generations, String userId) {
        if (generations.isEmpty()) {
            return;
        }
        Request del = Request.cmd(Command.DEL);
        generations.forEach((triggerId, generation) -> del.arg(TriggerKeys.fired(shard, triggerId, generation, userId))
                .arg(TriggerKeys.pending(shard, triggerId, generation, userId))
                .arg(TriggerKeys.side(shard, triggerId, generation, userId)));
        writes.add(shard, del);
    }

    /** The id of the user's firing waiting out its delay (null if none), answered once {@code reads} is sent. */
    public Supplier<String> pending(RedisBatch reads, String shard, String triggerId, long generation, String userId) {
        RedisBatch.Reply id = reads.add(shard, Request.cmd(Command.GET).arg(TriggerKeys.pending(shard, triggerId, generation, userId)));
        return () -> id.get() == null ? null : id.get().toString();
    }

    /** The firing {@code id} waiting in the schedule; empty if it was settled meanwhile. */
    public Optional<Firing> waiting(String shard, String id) {
        return Optional.ofNullable(redis.hash(String.class).hget(TriggerKeys.jobs(shard), id)).map(j -> Json.read(j, Firing.class));
    }

    /**
     * Cancels the user's firing {@code id} waiting out its delay, once {@code writes} is sent: out of the schedule, no
     * longer the pending one.
     */
    public void cancelPending(RedisBatch writes, String shard, String triggerId, long generation, String userId, String id) {
        writes.add(shard, List.of(Request.cmd(Command.ZREM).arg(TriggerKeys.due(shard)).arg(id),
                Request.cmd(Command.HDEL).arg(TriggerKeys.jobs(shard)).arg(id),
                Request.cmd(Command.DEL).arg(TriggerKeys.pending(shard, triggerId, generation, userId))));
    }

    /** The ids of the shard's firings due by {@code now}, at most {@code limit}, answered once {@code reads} is sent. */
    public Supplier<List<String>> due(RedisBatch reads, String shard, long now, int limit) {
        RedisBatch.Reply due = reads.add(shard, Request.cmd(Command.ZRANGEBYSCORE).arg(TriggerKeys.due(shard))
                .arg("-inf").arg(now).arg("LIMIT").arg(0).arg(limit));
        return () -> {
            List<String> ids = new ArrayList<>();
            if (due.get() != null) {
                due.get().forEach(id -> ids.add(id.toString()));
            }
            return ids;
        };
    }

    /**
     * Claims the shard's due firings {@code ids}, each pushed back to {@code leaseUntil}: a claimed firing whose owner
     * dies before it settles is due again then, for whoever owns the shard. Returns those still stored.
     */
    public List<Firing> claim(String shard, List<String> ids, long leaseUntil) {
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

    /**
     * Ends the leases of firings this instance gives up while it stops: each is due at {@code due} for whoever owns its
     * shard next, instead of when its lease runs out. Only firings still in the schedule (XX): one settled meanwhile
     * stays settled.
     */
    public void release(Collection<Firing> firings, long due) {
        if (firings.isEmpty()) {
            return;
        }
        RedisBatch writes = writes();
        for (Firing firing : firings) {
            writes.add(firing.shard(), Request.cmd(Command.ZADD).arg(TriggerKeys.due(firing.shard())).arg("XX").arg(due).arg(firing.id()));
        }
        writes.send();
    }

    /** Stores the firing's next state and its next due time. */
    public void reschedule(Firing firing, long due) {
        RedisBatch writes = writes();
        String shard = firing.shard();
        writes.add(shard, List.of(Request.cmd(Command.HSET).arg(TriggerKeys.jobs(shard)).arg(firing.id()).arg(Json.write(firing)),
                Request.cmd(Command.ZADD).arg(TriggerKeys.due(shard)).arg(due).arg(firing.id())));
        writes.send();
    }

    /**
     * The firing's entry in the schedule as stored: its JSON, with what the dispatcher keeps beside it; empty if it
     * was settled meanwhile.
     */
    public Optional<String> entry(Firing firing) {
        return Optional.ofNullable(redis.hash(String.class).hget(TriggerKeys.jobs(firing.shard()), firing.id()));
    }

    /** As {@link #reschedule(Firing, long)}, storing {@code entry} ({@link #entry(Firing)}) as the firing's entry. */
    public void reschedule(Firing firing, String entry, long due) {
        RedisBatch writes = writes();
        String shard = firing.shard();
        writes.add(shard, List.of(Request.cmd(Command.HSET).arg(TriggerKeys.jobs(shard)).arg(firing.id()).arg(entry),
                Request.cmd(Command.ZADD).arg(TriggerKeys.due(shard)).arg(due).arg(firing.id())));
        writes.send();
    }

    /** The firing is settled (delivered, dead, dropped): out of the schedule. */
    public void settle(Firing firing) {
        RedisBatch writes = writes();
        settle(writes, firing);
        writes.send();
    }

    /** As {@link #settle(Firing)}, once {@code writes} is sent. */
    public void settle(RedisBatch writes, Firing firing) {
        writes.add(firing.shard(), List.of(Request.cmd(Command.ZREM).arg(TriggerKeys.due(firing.shard())).arg(firing.id()),
                Request.cmd(Command.HDEL).arg(TriggerKeys.jobs(firing.shard())).arg(firing.id())));
    }

    /**
     * Marks the trigger's endpoint as gone (it answered 410): trigger-functions reload and stop firing it. Only while
     * the stored definition is the one called ({@code called}, its {@code updatedAt}; null: whatever is stored): a
     * save since, with a new URL say, is not undone by the old endpoint's answer. Returns whether this call disabled
     * it: false as well when it was disabled already (another firing's 410), whose reason and time are kept.
     */
    public boolean disable(String triggerId, Instant called, String reason) {
        for (int attempt = 0; attempt < 5; attempt++) {
            OptimisticLockingTransactionResult<Boolean> result = redis.withTransaction(
                    ds -> isStoredDefinition(ds.hash(String.class).hget(TriggerKeys.DEFINITIONS, triggerId), called),
                    (disable, tx) -> {
                        if (disable) {
                            tx.execute(Command.EVAL, DISABLE_ONCE, "2", TriggerKeys.DISABLED, TriggerKeys.REVISION, triggerId,
                                    Json.write(Map.of("reason", reason, "at", Instant.now().toString())));
                        }
                    }, TriggerKeys.DEFINITIONS);
            if (!result.discarded()) {
                // The script's answer: 1 only for the firing that found the trigger enabled.
                return result.getPreTransactionResult() && result.<Response>get(0).toInteger() == 1;
            }
            // Another definition was saved between the read and the write: read again.
        }
        return false;
    }

    private static boolean isStoredDefinition(String stored, Instant called) {
        if (stored == null) {
            return false; // deleted meanwhile
        }
        if (called == null) {
            return true;
        }
        JsonNode updatedAt = Json.read(stored, JsonNode.class).get("updatedAt");
        return updatedAt != null && called.equals(IsoInstants.parse(updatedAt.asText()));
    }

    /** Where the user's threshold value was last ({@code above}, {@code below}, {@code at}), or null. */
    public String side(String shard, String triggerId, long generation, String userId) {
        return redis.value(String.class).get(TriggerKeys.side(shard, triggerId, generation, userId));
    }

    /** Remembers the user's side of the trigger's line; written as the firings are (replicas waited for, if asked). */
    public void side(String shard, String triggerId, long generation, String userId, String side) {
        RedisBatch writes = writes();
        writes.add(shard, Request.cmd(Command.SET).arg(TriggerKeys.side(shard, triggerId, generation, userId)).arg(side)
                .arg("PX").arg(SIDE_MEMORY.toMillis()));
        writes.send();
    }
}
