package io.segflow.api.cluster;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.segflow.testkit.RedisClusterResource;
import java.util.List;

/** api-function on a Redis Cluster of three masters, the Quarkus Redis client in cluster mode. */
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
