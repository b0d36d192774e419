package io.segflow.segment;

import io.segflow.core.redis.RedisKeys;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/**
 * Every user id segment-function has seen, in sets sharded like the wake schedule, so that a new or changed
 * segment can reach users who send no event ({@link CatalogBackfill}). A user is added (idempotent) with its first
 * event, or any event that finds it not yet evaluated against the current catalog, in the same pipeline as its
 * membership store; removed by the api-function's erasure.
 */
@ApplicationScoped
public class UserRegistry {

    /** One SSCAN step: the users it returned and the cursor to continue from ("0" once the scan is complete). */
    public record Chunk(List<String> users, String nextCursor) {
    }

    private final RedisPipeline pipeline;

    UserRegistry(RedisPipeline pipeline) {
        this.pipeline = pipeline;
    }

    public Request registerRequest(String user) {
        return Request.cmd(Command.SADD).arg(RedisKeys.users(RedisKeys.userShard(user))).arg(user);
    }

    /** SSCAN: users present for the whole scan are returned at least once, possibly twice. */
    public Chunk scan(int shard, String cursor, int count) {
        Response reply = pipeline.run(List.of(Request.cmd(Command.SSCAN).arg(RedisKeys.users(shard)).arg(cursor)
                .arg("COUNT").arg(count))).get(0);
        List<String> users = new ArrayList<>(reply.get(1).size());
        reply.get(1).forEach(user -> users.add(user.toString()));
        return new Chunk(users, reply.get(0).toString());
    }
}
