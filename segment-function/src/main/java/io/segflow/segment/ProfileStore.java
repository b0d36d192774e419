package io.segflow.segment;

import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.core.event.Event;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
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

    /** The profile after an event, whether the event was new, and the memberships to compare against. */
    public record Applied(boolean fresh, Profile profile, Memberships memberships) {
    }

    private static final LuaScript APPLY_EVENT = new LuaScript(LuaScripts.APPLY_EVENT);
    private static final LuaScript APPLY_MEMBERSHIPS = new LuaScript(LuaScripts.APPLY_MEMBERSHIPS);

    private final RedisDataSource redis;
    private final Duration dedupWindow;

    ProfileStore(RedisDataSource redis, @ConfigProperty(name = "segflow.dedup-window", defaultValue = "24h") Duration dedupWindow) {
        this.redis = redis;
        this.dedupWindow = dedupWindow;
    }

    /** Counts the event and merges its traits, unless its messageId was applied within the dedup window. */
    public Applied apply(Event event) {
        String user = event.profileKey();
        List<String> args = new ArrayList<>();
        args.add(String.valueOf(dedupWindow.toSeconds()));
        args.add(event.isTrack() ? event.event() : event.type());
        args.addAll(RedisCodec.traitArguments(event.traits()));
        Response reply = APPLY_EVENT.run(redis,
                List.of(RedisKeys.seen(user, event.messageId()), RedisKeys.counts(user), RedisKeys.traits(user), RedisKeys.members(user)),
                args);
        return new Applied(reply.get(0).toInteger() == 1,
                RedisCodec.profile(user, strings(reply.get(1)), strings(reply.get(2))),
                RedisCodec.memberships(strings(reply.get(3))));
    }

    /** Stores the transitions if the memberships are still at {@code expectedVersion}; returns the new version, or -1. */
    public long storeTransitions(String user, long expectedVersion, Instant at, List<Transition> transitions) {
        List<String> args = new ArrayList<>(2 + 2 * transitions.size());
        args.add(String.valueOf(expectedVersion));
        args.add(String.valueOf(at.toEpochMilli()));
        for (Transition transition : transitions) {
            args.add(transition.entering() ? "enter" : "exit");
            args.add(transition.segmentId());
        }
        return APPLY_MEMBERSHIPS.run(redis, List.of(RedisKeys.members(user)), args).toLong();
    }

    public Memberships memberships(String user) {
        return RedisCodec.memberships(strings(redis.execute("HGETALL", RedisKeys.members(user))));
    }

    private static List<String> strings(Response array) {
        List<String> values = new ArrayList<>(array.size());
        for (Response item : array) {
            values.add(item.toString());
        }
        return values;
    }
}
