package io.segflow.api;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.hash.HashCommands;
import io.segflow.api.redis.ReplicatedWrites;
import io.segflow.core.json.Json;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.rules.SegmentDefinition;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** Segment definitions in Redis; every change bumps the revision atomically with it, so segment-functions reload. */
@ApplicationScoped
public class SegmentRepository {
    /** A save whose check another save overtook is checked again, this many times at most. */
    static final int SAVE_ATTEMPTS = 5;

    /**
     * Deletes field ARGV[1] of KEYS[1] and, only if it was there, bumps the revision KEYS[2]: a new revision makes every
     * segment-function partition re-evaluate all its users, which deleting nothing must not cause.
     */
    private static final String DELETE_AND_BUMP =
            "if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end redis.call('INCR', KEYS[2]) return 1";

    private final HashCommands<String, String, String> hashes;
    private final ReplicatedWrites writes;

    SegmentRepository(RedisDataSource redis, ReplicatedWrites writes) {
        this.hashes = redis.hash(String.class);
        this.writes = writes;
    }

    public List<SegmentDefinition> all() {
        return hashes.hgetall(RedisKeys.SEGMENTS).values().stream()
                .map(json -> Json.read(json, SegmentDefinition.class))
                .sorted(Comparator.comparing(SegmentDefinition::id))
                .toList();
    }

    public Optional<SegmentDefinition> find(String id) {
        return Optional.ofNullable(hashes.hget(RedisKeys.SEGMENTS, id)).map(json -> Json.read(json, SegmentDefinition.class));
    }

    /** Stores the definition; true when it is new. */
    public boolean save(SegmentDefinition definition) {
        return save(definition, stored -> {
        });
    }

    /**
     * Stores the definition if {@code check} accepts the definitions stored now (it throws to refuse); true when it
     * is new. The check and the write are one optimistic transaction ({@code WATCH} on the definitions): of two saves
     * that each pass alone but not together (two segments reading each other with {@code inSegment}), the second is
     * checked again against the first. Answered once the replicas asked for hold it ({@link ReplicatedWrites}).
     */
    public boolean save(SegmentDefinition definition, Consumer<List<SegmentDefinition>> check) {
        for (int attempt = 1; ; attempt++) {
            Request read = Request.cmd(Command.HVALS).arg(RedisKeys.SEGMENTS);
            Optional<List<Response>> written = writes.transaction(RedisKeys.SEGMENTS, read, stored -> {
                check.accept(definitions(stored));
                return List.of(Request.cmd(Command.HSET).arg(RedisKeys.SEGMENTS).arg(definition.id()).arg(Json.write(definition)),
                        Request.cmd(Command.INCR).arg(RedisKeys.SEGMENTS_REVISION));
            }, "the save of segment " + definition.id());
            if (written.isPresent()) {
                return written.get().get(0).toInteger() == 1;
            }
            if (attempt == SAVE_ATTEMPTS) {
                throw ApiException.unavailable("id", "segments were saved at the same time " + SAVE_ATTEMPTS + " times in a row; try again");
            }
        }
    }

    private static List<SegmentDefinition> definitions(Response stored) {
        List<SegmentDefinition> definitions = new ArrayList<>(stored.size());
        stored.forEach(json -> definitions.add(Json.read(json.toString(), SegmentDefinition.class)));
        definitions.sort(Comparator.comparing(SegmentDefinition::id));
        return definitions;
    }

    /** Deletes the definition; false, and no new revision, when there was none. */
    public boolean delete(String id) {
        Request delete = Request.cmd(Command.EVAL).arg(DELETE_AND_BUMP).arg(2).arg(RedisKeys.SEGMENTS)
                .arg(RedisKeys.SEGMENTS_REVISION).arg(id);
        return writes.command(delete, "the deletion of segment " + id).toInteger() == 1;
    }
}
