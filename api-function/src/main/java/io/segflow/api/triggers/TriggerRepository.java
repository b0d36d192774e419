package io.segflow.api.triggers;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.hash.HashCommands;
import io.segflow.api.redis.ReplicatedWrites;
import io.segflow.core.json.Json;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.TriggerCodec;
import io.segflow.core.trigger.TriggerDefinition;
import io.segflow.core.trigger.TriggerExpressions;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.core.trigger.TriggerScripts;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Trigger definitions, their deliveries log and replays, in Redis. Every definition change bumps the revision
 * atomically with it, so trigger-functions reload; saving a definition also clears a 410-disabled endpoint
 * ({@link TriggerScripts}).
 */
@ApplicationScoped
public class TriggerRepository {
    private final RedisDataSource redis;
    private final HashCommands<String, String, String> hashes;
    private final ReplicatedWrites writes;
    private final TriggerCodec codec = new TriggerCodec(new TriggerExpressions());

    TriggerRepository(RedisDataSource redis, ReplicatedWrites writes) {
        this.redis = redis;
        this.hashes = redis.hash(String.class);
        this.writes = writes;
    }

    TriggerCodec codec() {
        return codec;
    }

    public Optional<TriggerDefinition> find(String id) {
        return stored(id).map(codec::readStored);
    }

    /** Every stored definition's JSON, by id: also those that no longer read ({@link TriggerCodec#readStored} refuses). */
    public Map<String, String> allStored() {
        return new TreeMap<>(hashes.hgetall(TriggerKeys.DEFINITIONS));
    }

    /** The stored definition's JSON, whether or not it still reads. */
    public Optional<String> stored(String id) {
        return Optional.ofNullable(hashes.hget(TriggerKeys.DEFINITIONS, id));
    }

    /** Why the trigger's endpoint was disabled (it answered 410), if it was. */
    public Optional<JsonNode> disabled(String id) {
        return Optional.ofNullable(hashes.hget(TriggerKeys.DISABLED, id)).map(json -> Json.read(json, JsonNode.class));
    }

    /** Stores the definition (a new one gets a new generation); true when it is new. */
    public boolean save(TriggerDefinition definition) {
        Request save = script(TriggerScripts.SAVE).arg(definition.id()).arg(TriggerCodec.write(definition));
        return writes.command(save, "the save of trigger " + definition.id()).toInteger() == 1;
    }

    /**
     * Deletes the definition and its deliveries log; false when there was no definition (the revision is left alone,
     * so no trigger-function reloads). The log goes either way: a delete that failed between the two is finished by
     * the next one, whose answer is then a 404.
     */
    public boolean delete(String id) {
        Request delete = script(TriggerScripts.DELETE).arg(id);
        boolean deleted = writes.command(delete, "the deletion of trigger " + id).toInteger() == 1;
        // On the trigger's own slot, which a script on a Redis Cluster cannot also touch. Not waited for: what must
        // survive a failover is the definition's delete; a log left behind goes with the next delete of the id.
        redis.key().del(TriggerKeys.log(id), TriggerKeys.recent(id));
        return deleted;
    }

    private static Request script(String script) {
        Request eval = Request.cmd(Command.EVAL).arg(script).arg(TriggerScripts.KEYS.size());
        TriggerScripts.KEYS.forEach(eval::arg);
        return eval;
    }

    /** The latest {@code limit} log entries, newest first. */
    public List<DeliveryEntry> deliveries(String triggerId, int limit) {
        List<String> ids = redis.sortedSet(String.class).zrange(TriggerKeys.recent(triggerId), 0, limit - 1,
                new io.quarkus.redis.datasource.sortedset.ZRangeArgs().rev());
        if (ids.isEmpty()) {
            return List.of();
        }
        Map<String, String> entries = hashes.hmget(TriggerKeys.log(triggerId), ids.toArray(String[]::new));
        List<DeliveryEntry> found = new ArrayList<>(ids.size());
        for (String id : ids) {
            String json = entries.get(id);
            if (json != null) {
                found.add(Json.read(json, DeliveryEntry.class));
            }
        }
        return found;
    }

    public Optional<DeliveryEntry> delivery(String triggerId, String deliveryId) {
        return Optional.ofNullable(hashes.hget(TriggerKeys.log(triggerId), deliveryId)).map(json -> Json.read(json, DeliveryEntry.class));
    }

    /**
     * Puts the firing back into its shard's schedule, due now, from its first attempt: the trigger-function that owns
     * the shard delivers it with the same id. The log entry says it is scheduled again.
     */
    public DeliveryEntry replay(DeliveryEntry entry) {
        Instant now = Instant.now();
        Firing firing = Objects.requireNonNull(entry.firing()).replayed(now);
        DeliveryEntry scheduled = new DeliveryEntry(entry.id(), entry.userId(), DeliveryEntry.Status.SCHEDULED, 0, null, null,
                null, now, null, now, firing);
        // Two slots (the shard's and the log's): two transactions, the schedule first, so a replay is never only logged.
        // The schedule's is the one the replicas must hold: it is what trigger-function delivers.
        writes.transaction(List.of(
                Request.cmd(Command.HSET).arg(TriggerKeys.jobs(firing.shard())).arg(firing.id()).arg(Json.write(firing)),
                Request.cmd(Command.ZADD).arg(TriggerKeys.due(firing.shard())).arg(now.toEpochMilli()).arg(firing.id())),
                "the replay of delivery " + entry.id() + " of trigger " + firing.triggerId());
        redis.withTransaction(tx -> {
            tx.hash(String.class).hset(TriggerKeys.log(firing.triggerId()), entry.id(), Json.write(scheduled));
            tx.sortedSet(String.class).zadd(TriggerKeys.recent(firing.triggerId()), now.toEpochMilli(), entry.id());
        });
        return scheduled;
    }
}
