package io.segflow.core.trigger;

import java.util.List;

/**
 * The scripts that save and delete a trigger definition, each one atomic step that bumps the revision. A trigger's
 * generation is the revision its creation bumped: saves over it keep it, a delete drops it, so a trigger created
 * again under the same id has a newer one, and firings recorded with the older one are known to be the deleted one's.
 */
public final class TriggerScripts {
    /** Keys of both scripts, in order. */
    public static final List<String> KEYS = List.of(TriggerKeys.DEFINITIONS, TriggerKeys.DISABLED, TriggerKeys.REVISION,
            TriggerKeys.GENERATIONS);

    /**
     * ARGV: trigger id, definition JSON. Stores the definition, clears a 410-disabled endpoint, bumps the revision and
     * gives a trigger without a generation the new revision. Returns 1 when the definition is new.
     */
    public static final String SAVE = "local created = redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) "
            + "redis.call('HDEL', KEYS[2], ARGV[1]) "
            + "local revision = redis.call('INCR', KEYS[3]) "
            + "redis.call('HSETNX', KEYS[4], ARGV[1], revision) "
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
