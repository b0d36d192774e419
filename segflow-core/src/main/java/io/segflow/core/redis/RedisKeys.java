package io.segflow.core.redis;

/**
 * The Redis key layout, in one place. Every key of one user shares the hash tag {@code {<userId>}}, so that
 * Lua scripts and MULTI over a user's keys still work on Redis Cluster (one slot per user).
 *
 * <pre>
 * sf:{u}:counts          hash   event name -> lifetime count
 * sf:{u}:traits          hash   trait name -> JSON value
 * sf:{u}:members         hash   segment id -> epoch millis entered; field "@version" -> membership version
 * sf:{u}:seen:{msgId}    string dedup marker of an applied event, expires after the dedup window
 * sf:{segments}:defs     hash   segment id -> SegmentDefinition JSON
 * sf:{segments}:rev      string counter, bumped in the same MULTI as every definition change
 * </pre>
 */
public final class RedisKeys {

    /** The field of the members hash that holds the version; segment ids cannot start with '@'. */
    public static final String VERSION_FIELD = "@version";
    public static final String SEGMENTS = "sf:{segments}:defs";
    public static final String SEGMENTS_REVISION = "sf:{segments}:rev";

    private RedisKeys() {
    }

    private static String user(String userId) {
        return "sf:{" + userId + "}:";
    }

    public static String counts(String userId) {
        return user(userId) + "counts";
    }

    public static String traits(String userId) {
        return user(userId) + "traits";
    }

    public static String members(String userId) {
        return user(userId) + "members";
    }

    public static String seen(String userId, String messageId) {
        return user(userId) + "seen:" + messageId;
    }
}
