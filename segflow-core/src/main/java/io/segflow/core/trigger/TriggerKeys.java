package io.segflow.core.trigger;

/**
 * Redis keys of triggers. Definitions share the tag {@code {triggers}}. A firing's state lives with the partition
 * whose owner decides it: {@code {tc<N>}} for partition N of {@code segflow.segment-changes}, {@code {te<N>}} for
 * partition N of {@code segflow.events}, so that one instance writes each shard and a Redis Cluster spreads the
 * shards over its slots (another instance reads a shard's firing times only for a user an id of the shard was merged
 * into). The log of one trigger's deliveries has its own tag. A trigger's per-user state
 * (firing times, pending delay, threshold side) is kept under its id and generation ({@link #stateOf}), so that a
 * trigger created again under a deleted one's id starts with none.
 *
 * <pre>
 * sf:{triggers}:defs                    hash    trigger id -> definition JSON (TriggerCodec)
 * sf:{triggers}:rev                     string  counter, bumped with every definition change
 * sf:{triggers}:disabled                hash    trigger id -> why its endpoint was disabled (it answered 410)
 * sf:{triggers}:generations             hash    trigger id -> the revision its creation bumped (kept on saves over it)
 * sf:{<shard>}:due                      zset    firing id -> epoch millis of its next step (delay over, next attempt)
 * sf:{<shard>}:jobs                     hash    firing id -> Firing JSON, while it waits or retries
 * sf:{<shard>}:fired:<state>:<user>     zset    firing id -> epoch millis fired: cooldown and cap (with those of
 *                                               the ids merged into the user, for segment triggers)
 * sf:{<shard>}:pending:<state>:<user>   string  the id of the user's firing waiting out its delay
 * sf:{<shard>}:side:<state>:<user>      string  above | below | at: where the user's threshold value was last
 * sf:trg:{<trigger>}:log                hash    delivery id -> DeliveryEntry JSON
 * sf:trg:{<trigger>}:recent             zset    delivery id -> epoch millis last updated (the log's order and trim)
 * </pre>
 */
public final class TriggerKeys {
    public static final String DEFINITIONS = "sf:{triggers}:defs";
    public static final String REVISION = "sf:{triggers}:rev";
    public static final String DISABLED = "sf:{triggers}:disabled";
    public static final String GENERATIONS = "sf:{triggers}:generations";

    private TriggerKeys() {
    }

    /** The shard of partition {@code partition} of {@code segflow.segment-changes}. */
    public static String changesShard(int partition) {
        return "tc" + partition;
    }

    /** The shard of partition {@code partition} of {@code segflow.events}. */
    public static String eventsShard(int partition) {
        return "te" + partition;
    }

    public static String due(String shard) {
        return "sf:{" + shard + "}:due";
    }

    public static String jobs(String shard) {
        return "sf:{" + shard + "}:jobs";
    }

    /**
     * The {@code <state>} part of a trigger's per-user keys: {@code <trigger>@<generation>}, or the bare id for
     * generation 0 (a trigger stored without a generation), whose keys are the id alone. Trigger ids have no {@code @} or {@code :}, so no user id makes two triggers' keys meet.
     */
    public static String stateOf(String triggerId, long generation) {
        return generation == 0 ? triggerId : triggerId + "@" + generation;
    }

    public static String fired(String shard, String triggerId, long generation, String userId) {
        return "sf:{" + shard + "}:fired:" + stateOf(triggerId, generation) + ":" + userId;
    }

    public static String pending(String shard, String triggerId, long generation, String userId) {
        return "sf:{" + shard + "}:pending:" + stateOf(triggerId, generation) + ":" + userId;
    }

    public static String side(String shard, String triggerId, long generation, String userId) {
        return "sf:{" + shard + "}:side:" + stateOf(triggerId, generation) + ":" + userId;
    }

    public static String log(String triggerId) {
        return "sf:trg:{" + triggerId + "}:log";
    }

    public static String recent(String triggerId) {
        return "sf:trg:{" + triggerId + "}:recent";
    }
}
