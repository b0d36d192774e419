package io.segflow.segment;

import io.segflow.core.redis.LuaScripts;
import io.segflow.core.redis.RedisKeys;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * When each user must be re-evaluated without an event: sorted sets of user id by wake time, in shards that
 * every segment-function instance polls. Claiming moves entries to a lease, so no two instances take the same
 * user, and a crashed instance's users come back when the lease ends.
 */
@ApplicationScoped
public class WakeSchedule {

    /** A claimed user, the lease score that proves the claim is still ours, and when it was due. */
    public record Claim(String user, long lease, long due) {
    }

    private static final LuaScript CLAIM_DUE = new LuaScript(LuaScripts.CLAIM_DUE);
    static final LuaScript RESCHEDULE = new LuaScript(LuaScripts.RESCHEDULE);

    private final RedisPipeline pipeline;

    WakeSchedule(RedisPipeline pipeline) {
        this.pipeline = pipeline;
    }

    /** After an event: keep the earlier of the wake already set and this one (ZADD LT). */
    public Request wakeRequest(String user, long wake) {
        return Request.cmd(Command.ZADD).arg(RedisKeys.schedule(RedisKeys.scheduleShard(user))).arg("LT").arg(wake).arg(user);
    }

    public List<Claim> claimDue(int shard, long nowMillis, long leaseMillis, int max) {
        return claimDue(RedisKeys.schedule(shard), nowMillis, leaseMillis, max);
    }

    /** {@link #claimDue(int, long, long, int)} on any sorted set laid out like a schedule shard (tests use their own). */
    List<Claim> claimDue(String scheduleKey, long nowMillis, long leaseMillis, int max) {
        Response reply = pipeline.run(List.of(CLAIM_DUE.request(List.of(scheduleKey),
                List.of(String.valueOf(nowMillis), String.valueOf(leaseMillis), String.valueOf(max)))), CLAIM_DUE).get(0);
        List<Claim> claims = new ArrayList<>();
        for (int i = 0; i + 2 < reply.size(); i += 3) {
            claims.add(new Claim(reply.get(i).toString(), Long.parseLong(reply.get(i + 1).toString()),
                    (long) Double.parseDouble(reply.get(i + 2).toString())));
        }
        return claims;
    }

    /** After a wake: the next one from a full recomputation, unless an event changed the entry meanwhile. */
    public Request rescheduleRequest(Claim claim, OptionalLong next) {
        return RESCHEDULE.request(List.of(RedisKeys.schedule(RedisKeys.scheduleShard(claim.user()))),
                List.of(claim.user(), String.valueOf(claim.lease()), next.isPresent() ? String.valueOf(next.getAsLong()) : ""));
    }
}
