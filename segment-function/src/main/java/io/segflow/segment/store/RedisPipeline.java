package io.segflow.segment.store;

import io.segflow.core.redis.RedisIdleTimeout;
import io.segflow.segment.SegmentConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Sends many commands in one round trip: a round of the loop writes all its partitions in one pipeline, so the
 * per-call hand-offs, not Redis, are what a busy instance pays for. On a Redis Cluster
 * ({@code quarkus.redis.client-type=cluster}) the client takes a pipeline only when all its keys live on one master,
 * so the commands are grouped by the master of their slot and the groups sent at once, one pipeline each.
 */
@ApplicationScoped
public class RedisPipeline {
    private final Redis redis;
    private final boolean cluster;
    private final Duration timeout;
    /** How long a held connection may go unused before it is given back: half the client's idle timeout, if it has one. */
    private final long keepIdleNanos;
    /** The slot map the groups are made with; forgotten when a pipeline fails (a failover or resharding moved slots). */
    private volatile SlotOwners owners;

    RedisPipeline(Redis redis, @ConfigProperty(name = "quarkus.redis.client-type", defaultValue = "standalone") String clientType,
                  @ConfigProperty(name = "quarkus.redis.tcp.idle-timeout") Optional<Duration> idleTimeout, SegmentConfig config) {
        this.redis = redis;
        this.cluster = clientType.equalsIgnoreCase("cluster");
        this.timeout = config.engine().redisTimeout();
        long idleSeconds = RedisIdleTimeout.seconds(idleTimeout);
        this.keepIdleNanos = idleSeconds > 0 ? Duration.ofSeconds(idleSeconds).dividedBy(2).toNanos() : Long.MAX_VALUE;
    }

    /**
     * How long a connection held from one use to the next may stay unused: the client closes a connection silent for
     * its idle timeout, and a watch dies with its connection, so a holder gives it back before that and holds a new
     * one (its first use then checks again what the old one watched).
     */
    public long keepIdleNanos() {
        return keepIdleNanos;
    }

    /** The replies, in order; loads the scripts when Redis (or one of its masters) does not know them yet. */
    public List<Response> run(List<SlotRequest> requests, LuaScript... scripts) {
        return send(requests, batch -> pipeline(redis::batch, batch, scripts)).await().atMost(timeout);
    }

    /**
     * A connection held for a check-then-write: a {@code WATCH} holds only on the connection that sent it, so the
     * check and the {@code MULTI}/{@code EXEC} it guards go through one held connection (on a cluster, one per
     * master). Close it to give it back.
     */
    public Held hold() {
        return new Held(redis.connect().await().atMost(timeout));
    }

    /** A held connection (see {@link #hold()}). */
    public final class Held implements AutoCloseable {
        private final RedisConnection connection;

        private Held(RedisConnection connection) {
            this.connection = connection;
        }

        /** The replies, in order; the commands go to their servers as {@link RedisPipeline#run} sends them. */
        public List<Response> run(List<SlotRequest> requests) {
            return send(requests, connection::batch).await().atMost(timeout);
        }

        @Override
        public void close() {
            connection.close().await().atMost(timeout);
        }
    }

    /** A bulk string reply as text (null: a nil reply). */
    public static String text(Response reply) {
        return reply == null ? null : reply.toString();
    }

    /** Whether Redis is a cluster, where a transaction holds the keys of one slot. */
    public boolean isCluster() {
        return cluster;
    }

    private Uni<List<Response>> send(List<SlotRequest> requests, Function<List<Request>, Uni<List<Response>>> batcher) {
        if (requests.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        if (!cluster) {
            return batcher.apply(requests.stream().map(SlotRequest::request).toList());
        }
        return slotOwners().chain(slots -> {
            Map<String, List<Integer>> byMaster = new LinkedHashMap<>();
            for (int i = 0; i < requests.size(); i++) {
                byMaster.computeIfAbsent(slots.masterOf(requests.get(i).key()), master -> new ArrayList<>()).add(i);
            }
            List<List<Integer>> groups = List.copyOf(byMaster.values());
            List<Uni<List<Response>>> sent = new ArrayList<>(groups.size());
            for (List<Integer> group : groups) {
                sent.add(batcher.apply(group.stream().map(i -> requests.get(i).request()).toList()));
            }
            return Uni.join().all(sent).andCollectFailures().map(replies -> {
                Response[] inOrder = new Response[requests.size()];
                for (int g = 0; g < groups.size(); g++) {
                    for (int r = 0; r < groups.get(g).size(); r++) {
                        inOrder[groups.get(g).get(r)] = replies.get(g).get(r);
                    }
                }
                return Arrays.asList(inOrder);
            });
        }).onFailure().invoke(failure -> owners = null);
    }

    /**
     * One pipeline to one server. A server that lost the scripts (a restart, a failover, or a master that never ran
     * them) answers NOSCRIPT: the same pipeline again, with the scripts loaded first on that very server.
     */
    private static Uni<List<Response>> pipeline(Function<List<Request>, Uni<List<Response>>> batcher, List<Request> requests,
                                                LuaScript... scripts) {
        return batcher.apply(requests).onFailure(failure -> scripts.length > 0 && mentions(failure, "NOSCRIPT")).recoverWithUni(() -> {
            List<Request> loadedFirst = new ArrayList<>(scripts.length + requests.size());
            Arrays.stream(scripts).map(LuaScript::load).forEach(loadedFirst::add);
            loadedFirst.addAll(requests);
            return batcher.apply(loadedFirst).map(replies -> replies.subList(scripts.length, replies.size()));
        });
    }

    private Uni<SlotOwners> slotOwners() {
        SlotOwners known = owners;
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        return redis.send(Request.cmd(Command.CLUSTER).arg("SLOTS")).map(answer -> owners = new SlotOwners(answer));
    }

    private static boolean mentions(Throwable failure, String text) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(text)) {
                return true;
            }
        }
        return false;
    }
}
