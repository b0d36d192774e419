package io.segflow.testkit;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One real Kafka broker and one real Redis server per test JVM, started on first use on free loopback ports
 * and stopped when the JVM exits. {@code KAFKA_BOOTSTRAP_SERVERS} and {@code REDIS_URL} point the tests at
 * servers that already run instead.
 * <p>
 * Quarkus loads the test classes, and so this class, once per test profile, in a class loader it closes when the
 * profile's application stops: a static field would start another broker for every profile. So the servers are
 * started by the copy of this class in the JVM's application class loader (one per JVM, never closed), and their
 * addresses are kept in system properties, which every class loader sees.
 */
public final class TestServices {
    // Outside segflow.*: the functions' config mappings refuse unknown keys under their prefix.
    private static final String KAFKA = "io.segflow.testkit.kafka";
    private static final String REDIS = "io.segflow.testkit.redis";
    private static final String REDIS_CLUSTER = "io.segflow.testkit.redis-cluster";

    private TestServices() {
    }

    public static String kafkaBootstrapServers() {
        return env("KAFKA_BOOTSTRAP_SERVERS").orElseGet(() -> shared(KAFKA));
    }

    public static String redisUrl() {
        return env("REDIS_URL").orElseGet(() -> shared(REDIS));
    }

    /** The masters of a Redis Cluster of three, for the tests that run against one (see {@link RedisClusterResource}). */
    public static String redisClusterHosts() {
        return shared(REDIS_CLUSTER);
    }

    private static String shared(String property) {
        String value = System.getProperty(property);
        return value != null ? value : startInApplicationClassLoader(property);
    }

    private static String startInApplicationClassLoader(String property) {
        Class<?> owner;
        try {
            owner = Class.forName(TestServices.class.getName(), true, ClassLoader.getSystemClassLoader());
        } catch (ClassNotFoundException notOnTheClassPath) {
            owner = TestServices.class; // not a plain class path (an IDE's own loader, say): start them here
        }
        Thread thread = Thread.currentThread();
        ClassLoader context = thread.getContextClassLoader();
        // Kafka loads its plugins through the context class loader, and the server's threads inherit it.
        thread.setContextClassLoader(owner.getClassLoader());
        try {
            Method start = owner.getDeclaredMethod("startOnce", String.class);
            start.setAccessible(true); // private, and another class loader's package
            return (String) start.invoke(null, property);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("could not start the test servers", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("could not start the test servers", e);
        } finally {
            thread.setContextClassLoader(context);
        }
    }

    /** Called on the application class loader's copy: synchronized on that one class, so each server starts once. */
    private static synchronized String startOnce(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            value = switch (property) {
                case KAFKA -> register(EmbeddedKafka::start).bootstrapServers();
                case REDIS -> register(RedisProcess::start).url();
                default -> register(() -> RedisCluster.start(3, 0)).hosts();
            };
            System.setProperty(property, value);
        }
        return value;
    }

    private static Optional<String> env(String name) {
        return Optional.ofNullable(System.getenv(name)).filter(v -> !v.isBlank());
    }

    private static <T extends AutoCloseable> T register(Supplier<T> starter) {
        T service = starter.get();
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
