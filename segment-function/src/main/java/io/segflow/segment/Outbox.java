package io.segflow.segment;

import io.segflow.core.redis.LuaScripts;
import io.segflow.core.redis.RedisKeys;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A user's outbox: the change records stored with their transitions (apply-memberships.lua), waiting for Kafka.
 * The event consumer and the wake poller (of any instance) can process one user at the same time; a lease lets
 * one of them publish the outbox at a time, until it is empty, so that a user's records reach Kafka in version
 * order; Kafka transactions and fencing ({@link ChangeLog}) make sure that a drainer that outlived its lease adds
 * nothing. A drainer that dies leaves its lease to expire; the records stay. The protocol is in the scripts'
 * headers: claim-outbox.lua, begin-publish.lua, ack-outbox.lua, release-outbox.lua.
 */
@ApplicationScoped
public class Outbox {
    static final LuaScript CLAIM = new LuaScript(LuaScripts.CLAIM_OUTBOX);
    static final LuaScript BEGIN = new LuaScript(LuaScripts.BEGIN_PUBLISH);
    static final LuaScript ACK = new LuaScript(LuaScripts.ACK_OUTBOX);
    static final LuaScript RELEASE = new LuaScript(LuaScripts.RELEASE_OUTBOX);

    /** Where a drainer stands with a user's outbox, after a claim or an ack. */
    public sealed interface Claim {
        String user();
    }

    /**
     * The records are ours to publish, in this order, under the lease {@code token} holds. {@code unfinished} is
     * set (else null) when a previous drainer began sending them and stopped before it trimmed them: its producer
     * must be fenced, and those it committed must not go out again ({@link PublishedChanges}).
     */
    public record Claimed(String user, String token, List<String> records, Unfinished unfinished) implements Claim {
        public Claimed(String user, String token, List<String> records) {
            this(user, token, records, null);
        }
    }

    /** A sending marker (begin-publish.lua): since when (epoch millis) and with which Kafka transactional producer. */
    public record Unfinished(long since, String producer) {
        static Unfinished parse(String marker) {
            if (marker.isEmpty()) {
                return null;
            }
            int space = marker.indexOf(' ');
            // A marker without a producer was left by a version that sent without transactions: nothing to fence.
            return space < 0 ? new Unfinished(Long.parseLong(marker), "")
                    : new Unfinished(Long.parseLong(marker.substring(0, space)), marker.substring(space + 1));
        }
    }

    /**
     * Another drainer holds the outbox until {@code leaseEnds} (epoch millis): it publishes every record there,
     * ours included, unless it died. Then the user must be looked at again once the lease ended.
     */
    public record Busy(String user, long leaseEnds) implements Claim {
    }

    /** Nothing waits in the outbox (after an ack: it is drained, and the lease released). */
    public record Empty(String user) implements Claim {
    }

    /**
     * Our lease had ended (found at begin or at the ack): the outbox is (or will be) another drainer's, with every
     * record we claimed (we removed none). If we had sent them, it fences our producer and skips what we committed.
     */
    public record TakenOver(String user) implements Claim {
    }

    private final Duration lease;

    Outbox(@ConfigProperty(name = "segflow.outbox.lease", defaultValue = "30s") Duration lease) {
        this.lease = lease;
    }

    /** A token per wave: the claims of one drainer. */
    public static String newToken() {
        return UUID.randomUUID().toString();
    }

    public Request claimRequest(String user, String token) {
        return CLAIM.request(keys(user), List.of(token, String.valueOf(lease.toMillis())));
    }

    public static Claim claimOf(String user, String token, Response reply, long nowMillis) {
        if (reply.type() == ResponseType.NUMBER) {
            return new Busy(user, nowMillis + reply.toLong());
        }
        List<String> marker = ProfileStore.strings(reply);
        List<String> records = marker.subList(1, marker.size());
        return records.isEmpty() ? new Empty(user)
                : new Claimed(user, token, List.copyOf(records), Unfinished.parse(marker.getFirst()));
    }

    /**
     * Just before sending {@code claimed} with the transactional producer {@code producer}: names it in the sending
     * marker, if the lease is still ours (begin-publish.lua: reply 1; -1 when it is not, and nothing may be sent).
     */
    public Request beginRequest(Claimed claimed, String producer) {
        return BEGIN.request(List.of(RedisKeys.outboxLease(claimed.user()), RedisKeys.outboxSending(claimed.user())),
                List.of(claimed.token(), producer));
    }

    /** Once Kafka acknowledged {@code published}: trims it, and releases or renews the lease (see {@link #afterAck}). */
    public Request ackRequest(Claimed published) {
        return ACK.request(keys(published.user()),
                List.of(published.token(), String.valueOf(published.records().size()), String.valueOf(lease.toMillis())));
    }

    /**
     * After an ack: the records appended meanwhile, to publish next under the same lease ({@link Empty} when the
     * outbox is drained and the lease released), or {@link TakenOver}.
     */
    public static Claim afterAck(Claimed published, Response reply) {
        if (reply.type() == ResponseType.NUMBER) {
            return new TakenOver(published.user());
        }
        List<String> appended = ProfileStore.strings(reply);
        return appended.isEmpty() ? new Empty(published.user()) : new Claimed(published.user(), published.token(), appended);
    }

    /** After publishing failed: lets the next claim take the outbox at once; its records stay. */
    public Request releaseRequest(Claimed claimed) {
        return RELEASE.request(List.of(RedisKeys.outboxLease(claimed.user())), List.of(claimed.token()));
    }

    private static List<String> keys(String user) {
        return List.of(RedisKeys.outbox(user), RedisKeys.outboxLease(user), RedisKeys.outboxSending(user));
    }
}
