package io.segflow.api;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.hash.HashCommands;
import io.quarkus.redis.datasource.transactions.OptimisticLockingTransactionResult;
import io.segflow.core.json.Json;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.rules.SegmentDefinition;
import io.vertx.redis.client.Command;
import jakarta.enterprise.context.ApplicationScoped;
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

    private final RedisDataSource redis;
    private final HashCommands<String, String, String> hashes;

    SegmentRepository(RedisDataSource redis) {
        this.redis = redis;
        this.hashes = redis.hash(String.class);
    }

    public List<SegmentDefinition> all() {
        return all(hashes);
    }

    private static List<SegmentDefinition> all(HashCommands<String, String, String> hashes) {
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
     * checked again against the first.
     */
    public boolean save(SegmentDefinition definition, Consumer<List<SegmentDefinition>> check) {
        for (int attempt = 1; ; attempt++) {
            OptimisticLockingTransactionResult<Boolean> result = redis.withTransaction(watched -> {
                check.accept(all(watched.hash(String.class)));
                return true;
            }, (checked, tx) -> {
                tx.hash(String.class).hset(RedisKeys.SEGMENTS, definition.id(), Json.write(definition));
                tx.value(Long.class).incr(RedisKeys.SEGMENTS_REVISION);
            }, RedisKeys.SEGMENTS);
            if (!result.discarded()) {
                return result.<Boolean>get(0);
            }
            if (attempt == SAVE_ATTEMPTS) {
                throw ApiException.unavailable("id", "segments were saved at the same time " + SAVE_ATTEMPTS + " times in a row; try again");
            }
        }
    }

    /** Deletes the definition; false, and no new revision, when there was none. */
    public boolean delete(String id) {
        return redis.execute(Command.EVAL, DELETE_AND_BUMP, "2", RedisKeys.SEGMENTS, RedisKeys.SEGMENTS_REVISION, id).toInteger() == 1;
    }
}
