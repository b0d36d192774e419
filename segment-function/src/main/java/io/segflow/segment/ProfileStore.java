package io.segflow.segment;

import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.core.event.Event;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.ProfileFields;
import io.segflow.core.profile.ProfileOp;
import io.segflow.core.redis.LuaScripts;
import io.segflow.core.redis.RedisCodec;
import io.segflow.core.redis.RedisKeys;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** A user's profile and memberships in Redis; each method is one atomic script over the user's keys. */
@ApplicationScoped
public class ProfileStore {

    /** The user as read after (or instead of) applying an event, with change records still to publish. */
    public record Snapshot(boolean applied, Profile profile, Memberships memberships, List<String> unpublished) {
    }

    /** Where a record came from, so that a redelivery is recognised: -1 partition when not from Kafka. */
    public record Position(int partition, long offset) {
        public static final Position NONE = new Position(-1, -1);
    }

    private static final LuaScript APPLY_EVENT = new LuaScript(LuaScripts.APPLY_EVENT);
    private static final LuaScript APPLY_MEMBERSHIPS = new LuaScript(LuaScripts.APPLY_MEMBERSHIPS);
    private static final LuaScript READ_USER = new LuaScript(LuaScripts.READ_USER);
    private static final LuaScript ACK_OUTBOX = new LuaScript(LuaScripts.ACK_OUTBOX);

    private final RedisDataSource redis;
    private final Duration dedupWindow;

    ProfileStore(RedisDataSource redis, @ConfigProperty(name = "segflow.dedup-window", defaultValue = "24h") Duration dedupWindow) {
        this.redis = redis;
        this.dedupWindow = dedupWindow;
    }

    /**
     * Applies the operations unless this user already applied the record at {@code position} or an event with
     * the same messageId within the dedup window; the dedup marker, the update and the position are one step.
     */
    public Snapshot apply(Event event, List<ProfileOp> operations, Position position) {
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
        Response reply = APPLY_EVENT.run(redis,
                List.of(RedisKeys.seen(user, event.messageId()), RedisKeys.profile(user), RedisKeys.traits(user),
                        RedisKeys.members(user), RedisKeys.outbox(user)),
                args);
        return new Snapshot(reply.get(0).toInteger() == 1,
                RedisCodec.profile(user, strings(reply.get(1)), strings(reply.get(2))),
                RedisCodec.memberships(strings(reply.get(3))), strings(reply.get(4)));
    }

    public Snapshot read(String user) {
        Response reply = READ_USER.run(redis,
                List.of(RedisKeys.profile(user), RedisKeys.traits(user), RedisKeys.members(user), RedisKeys.outbox(user)), List.of());
        return new Snapshot(false, RedisCodec.profile(user, strings(reply.get(0)), strings(reply.get(1))),
                RedisCodec.memberships(strings(reply.get(2))), strings(reply.get(3)));
    }

    /**
     * Stores the transitions, and their change records in the user's outbox, if the memberships are still at
     * {@code expectedVersion}; returns false when they are not (the caller re-reads and retries).
     */
    public boolean storeTransitions(String user, long expectedVersion, Instant at, List<Transition> transitions,
                                    List<String> changeRecords) {
        List<String> args = new ArrayList<>(3 + 2 * transitions.size() + changeRecords.size());
        args.add(String.valueOf(expectedVersion));
        args.add(String.valueOf(at.toEpochMilli()));
        args.add(String.valueOf(transitions.size()));
        for (Transition transition : transitions) {
            args.add(transition.entering() ? "enter" : "exit");
            args.add(transition.segmentId());
        }
        args.addAll(changeRecords);
        long version = APPLY_MEMBERSHIPS.run(redis, List.of(RedisKeys.members(user), RedisKeys.outbox(user)), args).toLong();
        if (version < 0) {
            return false;
        }
        updateMemberIndexes(user, at, transitions);
        return true;
    }

    /** Removes published change records from the user's outbox. */
    public void acknowledge(String user, List<String> published) {
        if (!published.isEmpty()) {
            ACK_OUTBOX.run(redis, List.of(RedisKeys.outbox(user)), published);
        }
    }

    /**
     * The per-segment member indexes live in the segment's slot, not the user's, so they follow the per-user
     * side right after it (idempotently; {@link #reassertMemberIndexes} repairs them on a redelivery).
     */
    private void updateMemberIndexes(String user, Instant at, List<Transition> transitions) {
        for (Transition transition : transitions) {
            String key = RedisKeys.segmentMembers(transition.segmentId());
            if (transition.entering()) {
                redis.sortedSet(String.class).zadd(key, at.toEpochMilli(), user);
            } else {
                redis.sortedSet(String.class).zrem(key, user);
            }
        }
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
