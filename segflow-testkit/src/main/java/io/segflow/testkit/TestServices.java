package io.segflow.testkit;

import java.util.Optional;

/**
 * One real Kafka broker and one real Redis server per test JVM, started on first use on free loopback ports
 * and stopped when the JVM exits. {@code KAFKA_BOOTSTRAP_SERVERS} and {@code REDIS_URL} point the tests at
 * servers that already run instead.
 */
public final class TestServices {
    private static String kafkaBootstrap;
    private static String redisUrl;
    private static RedisCluster redisCluster;

    private TestServices() {
    }

    public static synchronized String kafkaBootstrapServers() {
        if (kafkaBootstrap == null) {
            kafkaBootstrap = env("KAFKA_BOOTSTRAP_SERVERS").orElseGet(() -> register(EmbeddedKafka.start()).bootstrapServers());
        }
        return kafkaBootstrap;
    }

    public static synchronized String redisUrl() {
        if (redisUrl == null) {
            redisUrl = env("REDIS_URL").orElseGet(() -> register(RedisProcess.start()).url());
        }
        return redisUrl;
    }

    /** A Redis Cluster of three masters, for the tests that run against one (see {@link RedisClusterResource}). */
    public static synchronized RedisCluster redisCluster() {
        if (redisCluster == null) {
            redisCluster = register(RedisCluster.start(3, 0));
        }
        return redisCluster;
    }

    private static Optional<String> env(String name) {
        return Optional.ofNullable(System.getenv(name)).filter(v -> !v.isBlank());
    }

    private static <T extends AutoCloseable> T register(T service) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                service.close();
            } catch (Exception ignored) {
                // the JVM is going away; nothing to report to
            }
        }));
        return service;
    }
}
