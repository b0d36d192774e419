package io.segflow.core.redis;

/**
 * The Redis key layout, in one place. Users are kept by the partition of {@code segflow.events} their events go to
 * ({@link io.segflow.core.state.Partitioning}): every key of one partition shares the hash tag {@code {p<N>}}, so
 * the instance that owns the partition writes all of a batch's users, its schedule and its offset in one atomic
 * script on one Redis Cluster slot; partitions spread over the slots.
 *
 * <pre>
 * sf:{pN}:u:{userId}      string  the user's record (io.segflow.core.state.UserRecordCodec): memberships, wake,
 *                                 profile, recent messageIds
 * sf:{pN}:state           hash    epoch (owner fence), offset (next offset of partition N whose effects are not
 *                                 stored yet), backfill ("revision cursor" of the catalog backfill)
 * sf:{pN}:due             zset    user id -> epoch millis of its next time-driven re-evaluation
 * sf:{pN}:users           set     every user id of the partition: who a backfill re-evaluates
 * sf:{pN}:changes         list    change records stored, not yet acknowledged by Kafka, one entry per flush (republished by a new owner)
 * sf:{pN}:m:{segmentId}   zset    user id -> epoch millis entered: the partition's members of one segment (the
 *                                 segment's member index is the union over the partitions)
 * sf:{segments}:defs      hash    segment id -> SegmentDefinition JSON
 * sf:{segments}:scoring   string  Scoring JSON (half-life, weights)
 * sf:{segments}:rev       string  counter, bumped in the same MULTI as every definition or scoring change
 * sf:{segments}:partitions string the partition count of segflow.events the state is laid out for
 * </pre>
 */
public final class RedisKeys {
    public static final String SEGMENTS = "sf:{segments}:defs";
    public static final String SCORING = "sf:{segments}:scoring";
    public static final String SEGMENTS_REVISION = "sf:{segments}:rev";
    /** Written by segment-function on start; users move between partitions if it changes, so it must not. */
    public static final String EVENT_PARTITIONS = "sf:{segments}:partitions";

    /** Fields of {@link #partitionState}. */
    public static final String EPOCH_FIELD = "epoch";
    public static final String OFFSET_FIELD = "offset";
    public static final String BACKFILL_FIELD = "backfill";
    /** What the partition's profiles keep of event properties, and its replays of the log (PartitionHistory, JSON). */
    public static final String HISTORY_FIELD = "history";
    /**
     * How many flushes the partition's state took: each adds one, so that an owner notices a flush Redis lost (a
     * failover to a replica without it) even when the flush moved no offset (wakes, a backfill chunk, a trim).
     */
    public static final String FLUSHES_FIELD = "flushes";

    private RedisKeys() {
    }

    /** The catalog revision a {@link #SEGMENTS_REVISION} value names: 0 while none is stored (the first save makes 1). */
    public static long catalogRevision(String stored) {
        return stored == null ? 0 : Long.parseLong(stored);
    }

    private static String partition(int partition) {
        return "sf:{p" + partition + "}:";
    }

    public static String user(int partition, String userId) {
        return partition(partition) + "u:" + userId;
    }

    public static String partitionState(int partition) {
        return partition(partition) + "state";
    }

    public static String schedule(int partition) {
        return partition(partition) + "due";
    }

    public static String users(int partition) {
        return partition(partition) + "users";
    }

    public static String changes(int partition) {
        return partition(partition) + "changes";
    }

    /**
     * The members of one segment among the users of one partition. The index is kept per partition so that the flush
     * that stores a user's memberships writes their index entries in the same atomic script: a failover or a crash
     * can lose neither without the other.
     */
    public static String segmentMembers(int partition, String segmentId) {
        return partition(partition) + "m:" + segmentId;
    }
}
