package io.segflow.segment.store;

import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * Sends many commands in one round trip: a round of the loop writes all its partitions in one pipeline, so the
 * per-call hand-offs, not Redis, are what a busy instance pays for.
 */
@ApplicationScoped
public class RedisPipeline {
    private final Redis redis;

    RedisPipeline(Redis redis) {
        this.redis = redis;
    }

    /** Sends the commands without waiting; for writes whose outcome is checked later. */
    public java.util.concurrent.CompletableFuture<List<Response>> start(List<Request> requests) {
        if (requests.isEmpty()) {
            return java.util.concurrent.CompletableFuture.completedFuture(List.of());
        }
        return redis.batch(requests).subscribeAsCompletionStage();
    }

    /** The replies, in order; loads the scripts once and retries when Redis lost them (a restart). */
    public List<Response> run(List<Request> requests, LuaScript... scripts) {
        if (requests.isEmpty()) {
            return List.of();
        }
        try {
            return redis.batchAndAwait(requests);
        } catch (RuntimeException e) {
            if (e.getMessage() == null || !e.getMessage().contains("NOSCRIPT")) {
                throw e;
            }
            redis.batchAndAwait(java.util.Arrays.stream(scripts).map(LuaScript::load).toList());
            return redis.batchAndAwait(requests);
        }
    }
}
