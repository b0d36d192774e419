package io.segflow.testkit;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Points a {@code @QuarkusTest} at a {@link RedisCluster} of three masters (one per test JVM, started on first use)
 * with the Quarkus Redis client in cluster mode, and at the shared Kafka of {@link TestServices}. For a test profile's
 * {@code testResources()}: its properties override the standalone Redis of {@link KafkaAndRedisResource}.
 */
public class RedisClusterResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of(
                "kafka.bootstrap.servers", TestServices.kafkaBootstrapServers(),
                "quarkus.redis.hosts", TestServices.redisClusterHosts(),
                "quarkus.redis.client-type", "cluster",
                // MULTI over keys of one hash tag (a segment definition and the catalog revision) on their node.
                "quarkus.redis.cluster-transactions", "single-node");
    }

    @Override
    public void stop() {
        // Shared by every test class of the JVM; stopped by the JVM's shutdown hook.
    }
}
