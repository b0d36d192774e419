package io.segflow.api.redis;

import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.redis.client.impl.types.ErrorType;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Tells the Redis failures that a retry soon will clear (Redis down, paused, loading its data, refusing writes for
 * now, or every pooled connection busy) from those that are bugs. The former are answered 503 + Retry-After, never 500.
 */
public final class RedisUnavailable {
    /** Error replies a Redis sends while it cannot serve yet: loading the dataset, a long script, a failover. */
    private static final Set<String> NOT_READY_REPLIES = Set.of("LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN");
    /**
     * Error replies to a write that the server's state causes, not the command: out of memory under noeviction, a
     * replica (a master a failover demoted, until clients follow), fewer replicas than min-replicas-to-write, a
     * snapshot it cannot write (a full disk, with stop-writes-on-bgsave-error).
     */
    private static final Set<String> WRITE_REFUSALS = Set.of("OOM", "READONLY", "NOREPLICAS", "MISCONF");
    /** The error the client fails every command with that was still waiting for a reply when its connection ended. */
    private static final String CONNECTION_CLOSED_REPLY = "CONNECTION_CLOSED";
    /** How a failed pipeline names each failed command's reply: {@code ERR [<index>] <reply>}. */
    private static final Pattern PIPELINE_REPLY = Pattern.compile("\\[\\d+] (\\S+)");
    private static final int MAX_CAUSES = 16;

    private RedisUnavailable() {
    }

    /** Why Redis cannot serve now, if that is what {@code failure} (or one of its causes) says. */
    public static Optional<String> reason(Throwable failure) {
        return causes(failure).map(RedisUnavailable::ownReason).flatMap(Optional::stream).findFirst();
    }

    /**
     * Whether {@code failure} (or one of its causes) is a connection that closed under a command: the command, or
     * its reply, was lost with it, and another connection may serve it. Not a refused or timed-out connection attempt,
     * nor a Redis that answered with an error.
     */
    public static boolean lostConnection(Throwable failure) {
        return causes(failure).anyMatch(RedisUnavailable::isLostConnection);
    }

    /** {@code failure} and its causes, outermost first, at most {@link #MAX_CAUSES} (a cause chain may loop). */
    private static Stream<Throwable> causes(Throwable failure) {
        return Stream.iterate(failure, Objects::nonNull, Throwable::getCause).limit(MAX_CAUSES);
    }

    private static boolean isLostConnection(Throwable failure) {
        return failure instanceof ClosedChannelException || isClosedConnection(failure) || isReset(failure)
                || failure instanceof ErrorType reply && errorKinds(reply).anyMatch(CONNECTION_CLOSED_REPLY::equals)
                // The client may fail the command with its own error and attach the channel's as a suppressed one.
                || Arrays.stream(failure.getSuppressed()).anyMatch(ClosedChannelException.class::isInstance);
    }

    private static Optional<String> ownReason(Throwable failure) {
        if (failure instanceof ConnectionPoolTooBusyException) {
            return Optional.of("Redis is saturated: every connection is busy and the wait queue is full");
        }
        if (failure instanceof io.smallrye.mutiny.TimeoutException) {
            return Optional.of("Redis did not answer in time");
        }
        if (failure instanceof ErrorType reply) {
            Optional<String> reason = errorKinds(reply).map(RedisUnavailable::replyReason).flatMap(Optional::stream).findFirst();
            if (reason.isPresent()) {
                return reason;
            }
        }
        if (failure instanceof ConnectException || failure instanceof ClosedChannelException
                || failure instanceof IOException || isClosedConnection(failure)) {
            return Optional.of("Redis is unreachable");
        }
        return Optional.empty();
    }

    private static Optional<String> replyReason(String kind) {
        if (NOT_READY_REPLIES.contains(kind)) {
            return Optional.of("Redis is not ready (" + kind + ")");
        }
        if (WRITE_REFUSALS.contains(kind)) {
            return Optional.of("Redis refuses writes for now (" + kind + ")");
        }
        if (CONNECTION_CLOSED_REPLY.equals(kind)) {
            return Optional.of("Redis is unreachable");
        }
        return Optional.empty();
    }

    /**
     * The first word of the error reply, or of each failed command's reply when a pipeline failed: the client then
     * lists them a line each, as {@code ERR [<index>] <reply>}.
     */
    private static Stream<String> errorKinds(ErrorType reply) {
        String message = reply.getMessage();
        if (message == null) {
            return Stream.of("");
        }
        return message.lines().flatMap(line -> {
            // Each "[<index>] <reply>" of the line; the client has been seen to run two of them into one line.
            List<String> replies = PIPELINE_REPLY.matcher(line).results().map(match -> match.group(1)).toList();
            return replies.isEmpty() ? Stream.of(firstWord(line)) : replies.stream();
        });
    }

    /**
     * How the Vert.x Redis client fails the commands sent on a connection that already went away: a message-only
     * failure, which Vert.x raises as a {@link NoStackTraceThrowable} (not even a {@code RuntimeException}).
     */
    private static boolean isClosedConnection(Throwable failure) {
        String message = failure.getMessage();
        return (failure instanceof io.vertx.core.VertxException || failure instanceof NoStackTraceThrowable)
                && message != null
                && (message.contains("Connection is closed") || message.contains("Connection closed"));
    }

    /** A socket the other end reset: a Redis killed, or a middlebox that dropped the connection. */
    private static boolean isReset(Throwable failure) {
        return failure instanceof IOException && failure.getMessage() != null && failure.getMessage().contains("Connection reset");
    }

    private static String firstWord(String message) {
        if (message == null) {
            return "";
        }
        int space = message.indexOf(' ');
        return space < 0 ? message : message.substring(0, space);
    }
}
