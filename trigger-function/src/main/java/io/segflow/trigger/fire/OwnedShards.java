package io.segflow.trigger.fire;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shards whose schedules this instance works off: those of the partitions Kafka assigned it. The consumer
 * group thereby decides who delivers a user's firings, as it decides who handles the user's changes.
 */
@ApplicationScoped
public class OwnedShards {
    /** Each owned shard, with when it was assigned ({@link System#nanoTime()}). */
    private final Map<String, Long> shards = new ConcurrentHashMap<>();

    public void add(String shard) {
        shards.putIfAbsent(shard, System.nanoTime());
    }

    public void remove(String shard) {
        shards.remove(shard);
    }

    public Set<String> current() {
        return Set.copyOf(shards.keySet());
    }

    /**
     * Whether this instance owns the shard and has owned it without a break since {@code nanoTime}
     * ({@link System#nanoTime()}): no other instance has claimed one of its firings since then.
     */
    public boolean ownedSince(String shard, long nanoTime) {
        Long assigned = shards.get(shard);
        return assigned != null && assigned - nanoTime <= 0;
    }
}
