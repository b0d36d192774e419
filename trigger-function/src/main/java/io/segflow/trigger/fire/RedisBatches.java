package io.segflow.trigger.fire;

import io.quarkus.redis.datasource.RedisDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Makes the {@link RedisBatch}es of this instance, one pipeline per batch on one Redis server, one per slot on a cluster. */
@ApplicationScoped
public class RedisBatches {
    private final RedisDataSource redis;
    private final boolean cluster;

    RedisBatches(RedisDataSource redis, @ConfigProperty(name = "quarkus.redis.client-type", defaultValue = "standalone") String clientType) {
        this.redis = redis;
        this.cluster = clientType.equalsIgnoreCase("cluster");
    }

    public RedisBatch reads() {
        return RedisBatch.reads(redis, cluster);
    }

    public RedisBatch writes() {
        return RedisBatch.writes(redis, cluster);
    }
}
