package io.segflow.segment;

import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.core.engine.SegmentEngine;
import io.segflow.core.event.Event;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.ProfileFields;
import io.segflow.core.profile.ProfileOp;
import io.segflow.core.redis.LuaScripts;
import io.segflow.core.redis.RedisCodec;
import io.segflow.core.redis.RedisKeys;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A user's profile and memberships in Redis; each script is one atomic step over the user's keys. Every
 * operation exists as a request, so that a wave of users goes to Redis as one pipeline.
 */
@ApplicationScoped
public class ProfileStore {

    /**
     * The user as read after (or instead of) applying an event, and how many change records wait in its outbox
     * (published by whoever claims it, see {@link Outbox}).
     */
    public record Snapshot(boolean applied, Profile profile, Memberships memberships, long outboxLength) {
    }

    /** Where a record came from, so that a redelivery is recognised: -1 partition when not from Kafka. */
    public record Position(int partition, long offset) {
    }

    static final LuaScript APPLY_EVENT = new LuaScript(LuaScripts.APPLY_EVENT);
    static final LuaScript APPLY_MEMBERSHIPS = new LuaScript(LuaScripts.APPLY_MEMBERSHIPS);
    static final LuaScript READ_USER = new LuaScript(LuaScripts.READ_USER);

    private final RedisDataSource redis;
    private final RedisPipeline pipeline;
    private final Duration dedupWindow;

    ProfileStore(RedisDataSource redis, RedisPipeline pipeline,
                 @ConfigProperty(name = "segflow.dedup-window", defaultValue = "24h") Duration dedupWindow) {
        this.redis = redis;
        this.pipeline = pipeline;
        this.dedupWindow = dedupWindow;
    }

    /**
     * Applies the operations unless this user already applied the record at {@code position} or an event with
     * the same messageId within the dedup window; the dedup marker, the update and the position are one step.
     */
    public Request applyRequest(Event event, List<ProfileOp> operations, Position position) {
        String user = event.profileKey();
        List<String> traitArgs = RedisCodec.traitArguments(event.traits());
        List<String> args = new ArrayList<>(4 + traitArgs.size() + operations.size() * 4);
        args.add(String.valueOf(dedupWindow.toSeconds()));
        args.add(position.partition() < 0 ? "" : ProfileFields.offset(position.partition()));
        args.add(String.valueOf(position.offset()));
        args.add(String.valueOf(traitArgs.size()));
        args.addAll(traitArgs);
        for (ProfileOp operation : operations) {
            args.addAll(operation.arguments());
        }
        return APPLY_EVENT.request(List.of(RedisKeys.seen(user, event.messageId()), RedisKeys.profile(user),
                RedisKeys.traits(user), RedisKeys.members(user), RedisKeys.outbox(user)), args);
    }

    public static Snapshot snapshotOf(String user, Response reply) {
        return new Snapshot(reply.get(0).toInteger() == 1,
                RedisCodec.profile(user, strings(reply.get(1)), strings(reply.get(2))),
                RedisCodec.memberships(strings(reply.get(3))), reply.get(4).toLong());
    }

    public Snapshot read(String user) {
        return readSnapshotOf(user, pipeline.run(List.of(readRequest(user)), READ_USER).get(0));
    }

    public Request readRequest(String user) {
        return READ_USER.request(
                List.of(RedisKeys.profile(user), RedisKeys.traits(user), RedisKeys.members(user), RedisKeys.outbox(user)),
                List.of());
    }

    public static Snapshot readSnapshotOf(String user, Response reply) {
        return new Snapshot(false, RedisCodec.profile(user, strings(reply.get(0)), strings(reply.get(1))),
                RedisCodec.memberships(strings(reply.get(2))), reply.get(3).toLong());
    }

    /**
     * Stores the outcome's transitions, their change records in the user's outbox, and the catalog revision it
     * was fully evaluated against, if the memberships are still at {@code expectedVersion}; returns false when
     * they are not (the caller re-reads and retries).
     */
    public boolean storeTransitions(String user, long expectedVersion, Instant at, SegmentEngine.Outcome outcome,
                                    List<String> changeRecords) {
        Response reply = pipeline.run(List.of(storeRequest(user, expectedVersion, at, outcome, changeRecords)),
                APPLY_MEMBERSHIPS).get(0);
        if (reply.toLong() < 0) {
            return false;
        }
        pipeline.run(indexRequests(user, at, outcome.transitions()));
        return true;
    }

    /** Reply: the new version, or -1 when the expected version is stale. */
    public Request storeRequest(String user, long expectedVersion, Instant at, SegmentEngine.Outcome outcome,
                                List<String> changeRecords) {
        List<Transition> transitions = outcome.transitions();
        List<String> args = new ArrayList<>(4 + 2 * transitions.size() + changeRecords.size());
        args.add(String.valueOf(expectedVersion));
        args.add(String.valueOf(at.toEpochMilli()));
        args.add(String.valueOf(transitions.size()));
        args.add(outcome.catalogRevision().isPresent() ? String.valueOf(outcome.catalogRevision().getAsLong()) : "");
        for (Transition transition : transitions) {
            args.add(transition.entering() ? "enter" : "exit");
            args.add(transition.segmentId());
        }
        args.addAll(changeRecords);
        return APPLY_MEMBERSHIPS.request(List.of(RedisKeys.members(user), RedisKeys.outbox(user)), args);
    }

    /**
     * The per-segment member indexes live in the segment's slot, not the user's, so they follow the per-user
     * side right after it (idempotently; {@link #reassertMemberIndexes} repairs them on a redelivery).
     */
    public List<Request> indexRequests(String user, Instant at, List<Transition> transitions) {
        List<Request> requests = new ArrayList<>(transitions.size());
        for (Transition transition : transitions) {
            String key = RedisKeys.segmentMembers(transition.segmentId());
            requests.add(transition.entering()
                    ? Request.cmd(Command.ZADD).arg(key).arg(at.toEpochMilli()).arg(user)
                    : Request.cmd(Command.ZREM).arg(key).arg(user));
        }
        return requests;
    }

    /** After a crash between the per-user write and the index writes: put the user back in its segments' indexes. */
    public void reassertMemberIndexes(String user, Memberships memberships) {
        memberships.since().forEach((segment, since) ->
                redis.execute("ZADD", RedisKeys.segmentMembers(segment), "NX", String.valueOf(since.toEpochMilli()), user));
    }

    static List<String> strings(Response array) {
        List<String> values = new ArrayList<>(array.size());
        for (Response item : array) {
            values.add(item.toString());
        }
        return values;
    }
}
