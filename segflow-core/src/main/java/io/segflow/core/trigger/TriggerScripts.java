package io.segflow.core.trigger;

import java.util.List;

/**
 * The scripts that save and delete a trigger definition, each one atomic step that bumps the revision. A trigger's
 * generation is the revision its creation bumped: saves over it keep it, a delete drops it, so a trigger created
 * again under the same id has a newer one: firings recorded with the older one are known to be the deleted one's,
 * and the per-user state kept under the older one ({@link TriggerKeys#stateOf}) is not the new trigger's. A trigger
 * stored without a generation has generation 0, which its next save stores.
 */
public final class TriggerScripts {
    /** Keys of both scripts, in order. */
    public static final List<String> KEYS = List.of(TriggerKeys.DEFINITIONS, TriggerKeys.DISABLED, TriggerKeys.REVISION,
            TriggerKeys.GENERATIONS);

    /**
     * ARGV: trigger id, definition JSON. Stores the definition, clears a 410-disabled endpoint, bumps the revision and
     * gives a new trigger the new revision as its generation. A trigger saved over without one was created before
     * generations existed: it gets 0, which keeps its per-user state where it was written. Returns 1 when the
     * definition is new.
     */
    public static final String SAVE = "local created = redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) "
            + "redis.call('HDEL', KEYS[2], ARGV[1]) "
            + "local revision = redis.call('INCR', KEYS[3]) "
            + "redis.call('HSETNX', KEYS[4], ARGV[1], created == 1 and revision or 0) "
            + "return created";

    /**
     * ARGV: trigger id. Deletes the definition, its disabled endpoint and its generation and, only if the definition
     * was there, bumps the revision (deleting nothing must not make trigger-functions reload). Returns 1 when deleted.
     */
    public static final String DELETE = "if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end "
            + "redis.call('HDEL', KEYS[2], ARGV[1]) redis.call('HDEL', KEYS[4], ARGV[1]) redis.call('INCR', KEYS[3]) return 1";

    private TriggerScripts() {
    }
}
