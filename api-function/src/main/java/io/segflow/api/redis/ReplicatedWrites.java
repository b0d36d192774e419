package io.segflow.api.redis;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.runtime.Startup;
import io.segflow.api.ApiConfig;
import io.segflow.core.redis.RedisIdleTimeout;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The admin API's writes (segment and trigger definitions, scoring, replays), each followed by Redis's
 * {@code WAIT acks timeout} on the connection that made it: the write is answered once {@code segflow.redis-replicas.acks}
 * replicas hold it, so a failover to one of them keeps it. The WAIT goes in the write's pipeline: a Redis Cluster sends
 * a pipeline to the master of its keys' slot, where a WAIT sent alone (it has no key) could go to any node. A write the
 * replicas do not acknowledge within the timeout stands (the master has it) and is answered all the same, counted in
 * {@code segflow_api_replica_wait_timeouts_total} and logged.
 */
@Startup
@ApplicationScoped
public class ReplicatedWrites {
    private static final Logger LOG = Logger.getLogger(ReplicatedWrites.class);

    private final RedisDataSource redis;
    private final int acks;
    private final long timeoutMillis;
    /** How long a write may take, its wait included: the data source's command timeout. */
    private final Duration commandTimeout;
    private final Counter timeouts;

    ReplicatedWrites(RedisDataSource redis, ApiConfig config,
                     @ConfigProperty(name = "quarkus.redis.timeout", defaultValue = "10s") Duration commandTimeout,
                     @ConfigProperty(name = "quarkus.redis.tcp.idle-timeout") Optional<Duration> idleTimeout,
                     MeterRegistry metrics) {
        check(config.redisReplicas(), commandTimeout, idleTimeout);
        this.redis = redis;
        this.acks = config.redisReplicas().acks();
        this.timeoutMillis = config.redisReplicas().timeout().toMillis();
        this.commandTimeout = commandTimeout;
        this.timeouts = Counter.builder("segflow.api.replica.wait.timeouts")
                .description("Admin writes that fewer Redis replicas than asked for acknowledged in time (answered all the same)")
                .register(metrics);
    }

    private static void check(ApiConfig.RedisReplicas replicas, Duration commandTimeout, Optional<Duration> idleTimeout) {
        if (replicas.acks() < 0) {
            throw new IllegalArgumentException("segflow.redis-replicas.acks must be 0 or more, was " + replicas.acks());
        }
        if (replicas.timeout().toMillis() < 1) {
            throw new IllegalArgumentException("segflow.redis-replicas.timeout must be at least 1ms, was " + replicas.timeout());
        }
        if (replicas.acks() > 0 && replicas.timeout().compareTo(commandTimeout) >= 0) {
            throw new IllegalArgumentException("segflow.redis-replicas.timeout must be under quarkus.redis.timeout ("
                    + commandTimeout + "): a write still waiting then is answered 503 though it was made; was "
                    + replicas.timeout());
        }
        if (replicas.acks() > 0 && RedisIdleTimeout.cutsShort(replicas.timeout(), idleTimeout)) {
            throw new IllegalArgumentException("segflow.redis-replicas.timeout must be under quarkus.redis.tcp.idle-timeout ("
                    + RedisIdleTimeout.seconds(idleTimeout) + "s): a connection silent that long is closed, and a write still waiting on it is "
                    + "answered 503 though it was made; was " + replicas.timeout());
        }
    }

    /** One command (a script, say) on keys of one slot, then the wait: its answer. {@code what} names the write in the log. */
    public Response command(Request command, String what) {
        List<Response> answers = await(client().batch(waiting(List.of(command))));
        waited(answers, what);
        return answers.get(0);
    }

    /** A MULTI/EXEC of {@code commands} on keys of one slot, then the wait: each command's answer. */
    public List<Response> transaction(List<Request> commands, String what) {
        return transaction(client()::batch, commands, what, true)
                .orElseThrow(() -> new IllegalStateException("Redis aborted the transaction of " + what));
    }

    /**
     * An optimistic transaction on one connection: WATCH {@code key}, send {@code read}, MULTI/EXEC the commands
     * {@code writes} makes of its answer, then the wait. {@code writes} throws to refuse: nothing is written. Empty
     * when another client changed the key after the WATCH: nothing was written, and the caller may read again.
     */
    public Optional<List<Response>> transaction(String key, Request read, Function<Response, List<Request>> writes, String what) {
        RedisConnection connection = await(client().connect());
        try {
            await(connection.send(Request.cmd(Command.WATCH).arg(key)));
            Optional<List<Response>> written = transaction(connection::batch, writes.apply(await(connection.send(read))), what, false);
            if (written.isPresent() && acks > 0) {
                // After the EXEC, not in its pipeline: an aborted one wrote nothing, and its caller retries at once
                // rather than after a WAIT for this connection's earlier writes. The key routes the WAIT, on a
                // cluster, to the master that took the write, on the connection that sent it.
                waited(await(connection.batch(List.of(Request.cmd(Command.EXISTS).arg(key),
                        Request.cmd(Command.WAIT).arg(acks).arg(timeoutMillis)))), what);
            }
            return written;
        } finally {
            // The connection goes back to the pool, where a WATCH left on it (the write refused, or failed before its
            // EXEC) would abort the next transaction sent on it: UNWATCH goes ahead of its next user's commands. After
            // an EXEC it does nothing.
            connection.send(Request.cmd(Command.UNWATCH)).subscribe().with(unwatched -> { }, failed -> { });
            connection.closeAndForget();
        }
    }

    /** {@code waitInPipeline}: the WAIT follows the EXEC in the same pipeline (else the caller waits, if it must). */
    private Optional<List<Response>> transaction(Function<List<Request>, Uni<List<Response>>> batch, List<Request> commands,
                                                 String what, boolean waitInPipeline) {
        List<Request> wrapped = new ArrayList<>(commands.size() + 2);
        wrapped.add(Request.cmd(Command.MULTI));
        wrapped.addAll(commands);
        wrapped.add(Request.cmd(Command.EXEC));
        List<Response> answers = await(batch.apply(waitInPipeline ? waiting(wrapped) : wrapped));
        Response exec = answers.get(commands.size() + 1);
        if (exec == null) {
            return Optional.empty(); // a watched key changed: nothing was written, nothing to wait for
        }
        if (waitInPipeline) {
            waited(answers, what);
        }
        List<Response> results = new ArrayList<>(exec.size());
        for (Response result : exec) {
            if (result != null && result.type() == ResponseType.ERROR) {
                throw new IllegalStateException("Redis answered " + result + " in the transaction of " + what);
            }
            results.add(result);
        }
        return Optional.of(results);
    }

    /** {@code pipeline}, followed by the WAIT when replicas are asked for. */
    private List<Request> waiting(List<Request> pipeline) {
        if (acks == 0) {
            return pipeline;
        }
        List<Request> sent = new ArrayList<>(pipeline);
        sent.add(Request.cmd(Command.WAIT).arg(acks).arg(timeoutMillis));
        return sent;
    }

    /** Reads the WAIT's answer, the last of {@code answers}: fewer replicas than asked is counted and logged. */
    private void waited(List<Response> answers, String what) {
        if (acks == 0) {
            return;
        }
        int acknowledged = answers.get(answers.size() - 1).toInteger();
        if (acknowledged < acks) {
            timeouts.increment();
            LOG.warnf("%d of %d Redis replicas acknowledged %s within %d ms; answered as done all the same "
                    + "(a failover now could lose it)", acknowledged, acks, what, timeoutMillis);
        }
    }

    private Redis client() {
        return redis.getReactive().getRedis();
    }

    private <T> T await(Uni<T> answer) {
        return answer.await().atMost(commandTimeout);
    }
}
