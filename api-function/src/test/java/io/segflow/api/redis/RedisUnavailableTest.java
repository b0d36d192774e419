package io.segflow.api.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.redis.client.impl.types.ErrorType;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The failures the Redis client raises, as the blocking data source hands them over (often wrapped). */
class RedisUnavailableTest {

    @Test
    void aRedisStillLoadingItsDataIsNotReady() {
        var loading = new CompletionException(ErrorType.create("LOADING Redis is loading the dataset in memory"));
        assertThat(RedisUnavailable.reason(loading)).hasValue("Redis is not ready (LOADING)");
    }

    @Test
    void aRedisRefusingWritesForNowIsUnavailable() {
        // Out of memory, a replica (or a master a failover demoted), fewer replicas than min-replicas-to-write, a
        // snapshot that cannot be written (a full disk).
        for (String reply : List.of("OOM command not allowed when used memory > 'maxmemory'.",
                "READONLY You can't write against a read only replica.", "NOREPLICAS Not enough good replicas to write.",
                "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.")) {
            String word = reply.substring(0, reply.indexOf(' '));
            assertThat(RedisUnavailable.reason(new CompletionException(ErrorType.create(reply))))
                    .as(reply).hasValue("Redis refuses writes for now (" + word + ")");
        }
    }

    @Test
    void aPipelineOneOfWhoseCommandsWasRefusedIsUnavailable() {
        // How the client fails a pipeline (an admin write's MULTI ... EXEC WAIT): each failed command's reply on a line.
        var pipeline = new CompletionException(ErrorType.create("ERR [1] OOM command not allowed when used memory > 'maxmemory'."
                + System.lineSeparator() + "ERR [3] EXECABORT Transaction discarded because of previous errors."));
        assertThat(RedisUnavailable.reason(pipeline)).hasValue("Redis refuses writes for now (OOM)");
        // Two failed commands' replies run into one line, as the client has been seen to write them.
        var runTogether = new CompletionException(ErrorType.create("ERR [1RR [2] OOM command not allowed when used memory > 'maxmemory'."
                + System.lineSeparator() + "ERR [3] EXECABORT Transaction discarded because of previous errors."));
        assertThat(RedisUnavailable.reason(runTogether)).hasValue("Redis refuses writes for now (OOM)");
        assertThat(RedisUnavailable.reason(ErrorType.create("ERR [0] WRONGTYPE Operation against a key holding the wrong kind of value")))
                .isEmpty();
    }

    @Test
    void aFailoverOrReshardingIsNotReady() {
        for (String reply : List.of("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
                "TRYAGAIN Multiple keys request during rehashing of slot", "CLUSTERDOWN The cluster is down")) {
            String word = reply.substring(0, reply.indexOf(' '));
            assertThat(RedisUnavailable.reason(ErrorType.create(reply))).as(reply).hasValue("Redis is not ready (" + word + ")");
        }
    }

    @Test
    void aFullPoolIsSaturation() {
        var busy = new ConnectionPoolTooBusyException("Connection pool reached max wait queue size of 24");
        assertThat(RedisUnavailable.reason(busy)).get().asString().contains("saturated");
    }

    @Test
    void aRefusedConnectionIsUnreachable() {
        assertThat(RedisUnavailable.reason(new CompletionException(new ConnectException("Connection refused"))))
                .hasValue("Redis is unreachable");
    }

    @Test
    void aConnectionThatEndedUnderItsCommandsIsUnreachable() {
        // Commands waiting for a reply when Redis died, commands sent on the dead connection, a reset socket.
        assertThat(RedisUnavailable.reason(new CompletionException(ErrorType.create("CONNECTION_CLOSED"))))
                .hasValue("Redis is unreachable");
        assertThat(RedisUnavailable.reason(new CompletionException(new NoStackTraceThrowable("Connection is closed"))))
                .hasValue("Redis is unreachable");
        assertThat(RedisUnavailable.reason(new CompletionException(new IOException("Connection reset by peer"))))
                .hasValue("Redis is unreachable");
    }

    @Test
    void aConnectionClosedUnderACommandIsALostConnection() {
        assertThat(RedisUnavailable.lostConnection(new CompletionException(ErrorType.create("CONNECTION_CLOSED")))).isTrue();
        assertThat(RedisUnavailable.lostConnection(new CompletionException(new NoStackTraceThrowable("Connection is closed"))))
                .isTrue();
        assertThat(RedisUnavailable.lostConnection(new CompletionException(new ClosedChannelException()))).isTrue();
        assertThat(RedisUnavailable.lostConnection(new IOException("Connection reset by peer"))).isTrue();
        var withTheChannelsOwn = new IllegalStateException("Request failed");
        withTheChannelsOwn.addSuppressed(new ClosedChannelException());
        assertThat(RedisUnavailable.lostConnection(new CompletionException(withTheChannelsOwn))).isTrue();
    }

    @Test
    void aRefusedAttemptATimeoutOrAnErrorReplyIsNoLostConnection() {
        // Another run would wait as long again, or get the same answer.
        assertThat(RedisUnavailable.lostConnection(new CompletionException(new ConnectException("Connection refused")))).isFalse();
        assertThat(RedisUnavailable.lostConnection(new io.smallrye.mutiny.TimeoutException())).isFalse();
        assertThat(RedisUnavailable.lostConnection(ErrorType.create("LOADING Redis is loading the dataset in memory"))).isFalse();
        assertThat(RedisUnavailable.lostConnection(new ConnectionPoolTooBusyException("Connection pool reached max wait queue size")))
                .isFalse();
        assertThat(RedisUnavailable.lostConnection(new IllegalStateException("a bug"))).isFalse();
    }

    @Test
    void errorsThatRetryingDoesNotFixAreNotOutages() {
        assertThat(RedisUnavailable.reason(new CompletionException(
                ErrorType.create("WRONGTYPE Operation against a key holding the wrong kind of value")))).isEmpty();
        assertThat(RedisUnavailable.reason(ErrorType.create("BUSYKEY Target key name already exists")))
                .isEmpty();
        assertThat(RedisUnavailable.reason(new IllegalStateException("a bug"))).isEmpty();
        assertThat(RedisUnavailable.reason(new NoStackTraceThrowable("Request is not valid"))).isEmpty();
    }
}
