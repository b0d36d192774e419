package io.segflow.testkit;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Points a {@code @QuarkusTest} at real Kafka and Redis (see {@link TestServices}); Dev Services stay off.
 * Use with {@code @QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)}.
 */
public class KafkaAndRedisResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of(
                "kafka.bootstrap.servers", TestServices.kafkaBootstrapServers(),
                "quarkus.redis.hosts", TestServices.redisUrl());
    }

    @Override
    public void stop() {
        // Shared by every test class of the JVM; stopped by the JVM's shutdown hook.
    }
}
