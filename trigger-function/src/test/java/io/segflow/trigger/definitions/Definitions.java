package io.segflow.trigger.definitions;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.TriggerCodec;
import io.segflow.core.trigger.TriggerExpressions;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.core.trigger.TriggerScripts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Defines triggers as the api-function stores them, and reads their deliveries log, for tests. */
final class Definitions {
    private static final TriggerCodec CODEC = new TriggerCodec(new TriggerExpressions());

    private final RedisDataSource redis;

    Definitions(RedisDataSource redis) {
        this.redis = redis;
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Stores the definition (single quotes for double ones) and bumps the revision, as the admin API does. */
    void define(String id, String json) {
        var definition = CODEC.read(id, Json.read(json.replace('\'', '"'), JsonNode.class), Instant.now());
        script(TriggerScripts.SAVE, id, TriggerCodec.write(definition));
    }

    /** Deletes the definition and its deliveries log, as the admin API does. */
    void delete(String id) {
        script(TriggerScripts.DELETE, id);
        redis.key().del(TriggerKeys.log(id), TriggerKeys.recent(id));
    }

    private void script(String script, String... args) {
        List<String> eval = new ArrayList<>(List.of(script, String.valueOf(TriggerScripts.KEYS.size())));
        eval.addAll(TriggerScripts.KEYS);
        eval.addAll(List.of(args));
        redis.execute("EVAL", eval.toArray(String[]::new));
    }

    /** The trigger's generation, as its per-user keys carry it (0: stored without one). */
    long generation(String id) {
        String generation = redis.hash(String.class).hget(TriggerKeys.GENERATIONS, id);
        return generation == null ? 0 : Long.parseLong(generation);
    }

    static String webhook(String url) {
        return "{'type': 'webhook', 'url': '" + url + "', 'secret': '" + WebhookReceiver.SECRET + "'}";
    }

    List<DeliveryEntry> log(String triggerId) {
        return redis.hash(String.class).hgetall(TriggerKeys.log(triggerId)).values().stream()
                .map(json -> Json.read(json, DeliveryEntry.class)).toList();
    }

    /** The definitions' revision: trigger-functions reload them whenever it moves. */
    long revision() {
        String revision = redis.value(String.class).get(TriggerKeys.REVISION);
        return revision == null ? 0 : Long.parseLong(revision);
    }

    boolean disabled(String triggerId) {
        return redis.hash(String.class).hexists(TriggerKeys.DISABLED, triggerId);
    }

    static SegmentChange change(String user, String segment, String change, long version) {
        return new SegmentChange(user, segment, change, Instant.now(), version, SegmentChange.causedByEvent("m" + version));
    }
}
