package io.segflow.system;

import io.segflow.core.json.Json;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.rules.SegmentDefinition;
import io.segflow.core.state.Partitioning;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** What segment-function keeps in Redis, read (and segments saved) from outside it, in the stored layout. */
final class EngineState implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx();
    private final Redis redis;

    EngineState(String redisUrl) {
        redis = Redis.createClient(vertx, redisUrl);
    }

    /** As the api-function saves a segment: the definition and the catalog revision in one transaction. */
    void define(String id, String condition) {
        String definition = Json.write(new SegmentDefinition(id, id, condition, true, Instant.now()));
        RedisConnection connection = await(redis.connect());
        try {
            await(connection.batch(List.of(
                    Request.cmd(Command.MULTI),
                    Request.cmd(Command.HSET).arg(RedisKeys.SEGMENTS).arg(id).arg(definition),
                    Request.cmd(Command.INCR).arg(RedisKeys.SEGMENTS_REVISION),
                    Request.cmd(Command.EXEC))));
        } finally {
            connection.close();
        }
    }

    /** The stored records of these users (users without one are left out), found by the partition they hash to. */
    Map<String, UserRecord> users(List<String> users) {
        int partitions = Integer.parseInt(send(Request.cmd(Command.GET).arg(RedisKeys.EVENT_PARTITIONS)).toString());
        Request mget = Request.cmd(Command.MGET);
        users.forEach(user -> mget.arg(RedisKeys.user(Partitioning.partitionOf(user, partitions), user)));
        Response values = send(mget);
        Map<String, UserRecord> records = new HashMap<>();
        for (int i = 0; i < users.size(); i++) {
            Response value = values.get(i);
            if (value != null) {
                records.put(users.get(i), UserRecordCodec.decode(users.get(i), value.toBytes()));
            }
        }
        return records;
    }

    /** The member index of one segment: the user ids its partitions' sets list. */
    Set<String> members(String segmentId) {
        int partitions = Integer.parseInt(send(Request.cmd(Command.GET).arg(RedisKeys.EVENT_PARTITIONS)).toString());
        Set<String> members = new HashSet<>();
        for (int partition = 0; partition < partitions; partition++) {
            for (Response member : send(Request.cmd(Command.ZRANGE).arg(RedisKeys.segmentMembers(partition, segmentId)).arg(0).arg(-1))) {
                members.add(member.toString());
            }
        }
        return members;
    }

    private Response send(Request request) {
        return await(redis.send(request));
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Redis did not answer", e);
        }
    }

    @Override
    public void close() {
        redis.close();
        await(vertx.close());
    }
}
