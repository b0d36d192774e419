package io.segflow.trigger.fire;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shards whose schedules this instance works off: those of the partitions Kafka assigned it. The consumer
 * group thereby decides who delivers a user's firings, as it decides who handles the user's changes.
 */
@ApplicationScoped
public class OwnedShards {
    private final Set<String> shards = ConcurrentHashMap.newKeySet();

    public void add(String shard) {
        shards.add(shard);
    }

    public void remove(String shard) {
        shards.remove(shard);
    }

    public Set<String> current() {
        return Set.copyOf(shards);
    }
}
