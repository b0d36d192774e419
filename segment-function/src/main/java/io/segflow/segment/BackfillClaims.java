package io.segflow.segment;

import io.segflow.core.redis.LuaScripts;
import io.segflow.core.redis.RedisKeys;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;

/**
 * Who backfills which users shard for a catalog revision. The state sits next to the shard's set: the revision,
 * the SSCAN cursor reached and a lease. So each shard is scanned once per revision, by one instance at a time,
 * and a scan left unfinished by a dead instance is resumed from its last cursor by another once the lease ends.
 */
@ApplicationScoped
public class BackfillClaims {

    /** A shard claimed for a revision: where the scan goes on from, and the lease that proves the claim is ours. */
    public record Claim(int shard, long revision, String cursor, long lease) {
    }

    private static final LuaScript CLAIM = new LuaScript(LuaScripts.CLAIM_BACKFILL);
    private static final LuaScript ADVANCE = new LuaScript(LuaScripts.ADVANCE_BACKFILL);

    private final RedisPipeline pipeline;

    BackfillClaims(RedisPipeline pipeline) {
        this.pipeline = pipeline;
    }

    /** Empty when the shard is done for this revision, taken by a newer one, or held by another instance. */
    public Optional<Claim> claim(int shard, long revision, long nowMillis, long leaseMillis) {
        Response reply = pipeline.run(List.of(CLAIM.request(List.of(RedisKeys.usersBackfill(shard)),
                List.of(String.valueOf(revision), String.valueOf(nowMillis), String.valueOf(leaseMillis)))), CLAIM).get(0);
        if (reply.size() < 2) {
            return Optional.empty();
        }
        return Optional.of(new Claim(shard, revision, reply.get(0).toString(), Long.parseLong(reply.get(1).toString())));
    }

    /**
     * Records that the scan reached {@code nextCursor} and renews the lease. Empty when the scan is complete
     * ({@code nextCursor} "0") or the claim is no longer ours: either way, stop.
     */
    public Optional<Claim> advance(Claim claim, String nextCursor, long nowMillis, long leaseMillis) {
        long lease = pipeline.run(List.of(ADVANCE.request(List.of(RedisKeys.usersBackfill(claim.shard())),
                List.of(String.valueOf(claim.revision()), String.valueOf(claim.lease()), nextCursor,
                        String.valueOf(nowMillis), String.valueOf(leaseMillis)))), ADVANCE).get(0).toLong();
        return lease > 0 ? Optional.of(new Claim(claim.shard(), claim.revision(), nextCursor, lease)) : Optional.empty();
    }
}
