package io.segflow.core.redis;

/**
 * The Redis key layout, in one place. Every key of one user shares the hash tag {@code {<userId>}}, so that
 * the Lua scripts over a user's keys stay in one slot on Redis Cluster.
 *
 * <pre>
 * sf:{u}:profile          hash   aggregates, see io.segflow.core.profile.ProfileFields
 * sf:{u}:traits           hash   trait name -> JSON value
 * sf:{u}:members          hash   segment id -> epoch millis entered; field "@version" -> membership version;
 *                                field "@catalog" -> catalog revision the user was last fully evaluated against
 * sf:{u}:seen:{msgId}     string dedup marker of an applied event, expires after the dedup window
 * sf:{u}:outbox           list   change records stored with their transitions, removed once Kafka acked them
 * sf:{u}:outbox:lease     string token of the one drainer publishing the outbox; expires (segflow.outbox.lease)
 * sf:{u}:outbox:sending   string "<since millis> <transactional id>": a drainer is sending the outbox's head
 * sf:{sched:N}:due        zset   user id -> epoch millis of its next time-driven re-evaluation (N = shard)
 * sf:{users:N}:ids        set    every user id seen, for backfills over existing users (N = shard)
 * sf:{users:N}:backfill   hash   rev, cursor, lease: the backfill of one users shard for a catalog revision
 * sf:seg:{id}:members     zset   user id -> epoch millis entered: the member index of one segment
 * sf:{segments}:defs      hash   segment id -> SegmentDefinition JSON
 * sf:{segments}:scoring   string Scoring JSON (half-life, weights)
 * sf:{segments}:rev       string counter, bumped in the same MULTI as every definition or scoring change
 * </pre>
 */
public final class RedisKeys {

    /** The field of the members hash that holds the version; segment ids cannot start with '@'. */
    public static final String VERSION_FIELD = "@version";
    /** The field of the members hash that holds the catalog revision the user was last fully evaluated against. */
    public static final String CATALOG_FIELD = "@catalog";
    public static final String SEGMENTS = "sf:{segments}:defs";
    public static final String SCORING = "sf:{segments}:scoring";
    public static final String SEGMENTS_REVISION = "sf:{segments}:rev";
    /** The schedule is split in shards (own slots) so that Redis Cluster spreads it and instances share it. */
    public static final int SCHEDULE_SHARDS = 16;
    /** The registry of users is split the same way: one set per shard, each in a slot of its own. */
    public static final int USER_SHARDS = 16;

    private RedisKeys() {
    }

    private static String user(String userId) {
        return "sf:{" + userId + "}:";
    }

    public static String profile(String userId) {
        return user(userId) + "profile";
    }

    public static String traits(String userId) {
        return user(userId) + "traits";
    }

    public static String members(String userId) {
        return user(userId) + "members";
    }

    public static String outbox(String userId) {
        return user(userId) + "outbox";
    }

    /** Who publishes the user's outbox right now: one drainer at a time, so no record goes out twice. */
    public static String outboxLease(String userId) {
        return user(userId) + "outbox:lease";
    }

    /**
     * {@code "<since millis> <transactional id>"}: since when (Redis time) a drainer has been sending the outbox's
     * head, with which Kafka transactional producer; removed once the records are trimmed. Found by a later claim,
     * it means a drainer stopped (or stalls) between sending and trimming: fence that producer, then check Kafka.
     */
    public static String outboxSending(String userId) {
        return user(userId) + "outbox:sending";
    }

    public static String seen(String userId, String messageId) {
        return user(userId) + "seen:" + messageId;
    }

    /** Pattern of a user's dedup markers for tools; not glob-escaped (erasure escapes the user id itself). */
    public static String seenPattern(String userId) {
        return user(userId) + "seen:*";
    }

    public static int scheduleShard(String userId) {
        return Math.floorMod(userId.hashCode(), SCHEDULE_SHARDS);
    }

    public static String schedule(int shard) {
        return "sf:{sched:" + shard + "}:due";
    }

    /** True for the fields of the members hash that are not segment ids ({@code @version}, {@code @catalog}, ...). */
    public static boolean isMembersMetaField(String field) {
        return field.startsWith("@");
    }

    public static int userShard(String userId) {
        return Math.floorMod(userId.hashCode(), USER_SHARDS);
    }

    /** The set of user ids of one shard: who a backfill must look at. */
    public static String users(int shard) {
        return "sf:{users:" + shard + "}:ids";
    }

    /** Which catalog revision the users of one shard were backfilled for, and how far (same slot as the set). */
    public static String usersBackfill(int shard) {
        return "sf:{users:" + shard + "}:backfill";
    }

    public static String segmentMembers(String segmentId) {
        return "sf:seg:{" + segmentId + "}:members";
    }
}
