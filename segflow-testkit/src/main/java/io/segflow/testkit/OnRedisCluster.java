package io.segflow.testkit;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;

/** A function on a Redis Cluster of three masters ({@link RedisClusterResource}), the Quarkus Redis client in cluster mode. */
public class OnRedisCluster implements QuarkusTestProfile {

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(RedisClusterResource.class));
    }

    @Override
    public boolean disableGlobalTestResources() {
        return true; // the cluster resource points at the shared Kafka itself, and at the cluster instead of a Redis
    }
}
