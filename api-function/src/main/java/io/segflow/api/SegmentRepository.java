package io.segflow.api;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.hash.HashCommands;
import io.segflow.core.json.Json;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.rules.SegmentDefinition;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Segment definitions in Redis; every change bumps the revision in the same transaction, so segment-functions reload. */
@ApplicationScoped
public class SegmentRepository {
    private final RedisDataSource redis;
    private final HashCommands<String, String, String> hashes;

    SegmentRepository(RedisDataSource redis) {
        this.redis = redis;
        this.hashes = redis.hash(String.class);
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
        var result = redis.withTransaction(tx -> {
            tx.hash(String.class).hset(RedisKeys.SEGMENTS, definition.id(), Json.write(definition));
            tx.value(Long.class).incr(RedisKeys.SEGMENTS_REVISION);
        });
        return result.<Boolean>get(0);
    }

    public boolean delete(String id) {
        var result = redis.withTransaction(tx -> {
            tx.hash(String.class).hdel(RedisKeys.SEGMENTS, id);
            tx.value(Long.class).incr(RedisKeys.SEGMENTS_REVISION);
        });
        return result.<Integer>get(0) > 0;
    }
}
