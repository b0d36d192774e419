package io.segflow.api.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.segflow.testkit.RedisProcess;
import io.segflow.testkit.TestServices;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A Redis of the test class's own, that the test may pause (SIGSTOP), resume, shut down and start again on the
 * same port without disturbing the Redis every other test shares. Kafka is the shared one. The server is found by
 * its port (from {@code quarkus.redis.hosts}), since the resource and the test see different copies of this class.
 */
public class OwnRedis implements QuarkusTestResourceLifecycleManager {
    private int port;

    @Override
    public Map<String, String> start() {
        RedisProcess redis = RedisProcess.start();
        port = redis.port();
        return Map.of("kafka.bootstrap.servers", TestServices.kafkaBootstrapServers(), "quarkus.redis.hosts", redis.url());
    }

    @Override
    public void stop() {
        ProcessHandle.current().descendants().filter(p -> isRedisOnPort(p, port)).forEach(ProcessHandle::destroy);
    }

    /** Freezes the server: connections stay open and commands go unanswered, as when a host stalls. */
    public static void pause(String redisUrl) {
        signal(redisUrl, "-STOP");
    }

    public static void resume(String redisUrl) {
        signal(redisUrl, "-CONT");
    }

    public static void shutDown(String redisUrl) {
        long pid = signal(redisUrl, "-TERM");
        ProcessHandle.of(pid).ifPresent(process -> process.onExit().orTimeout(10, TimeUnit.SECONDS).join());
    }

    /** A fresh, empty server on the same port, as after a restart without persistence. */
    public static void startAgain(String redisUrl) {
        RedisProcess.start(URI.create(redisUrl).getPort());
    }

    /** redis-server rewrites its command line to "<binary> 127.0.0.1:<port>", which only /proc shows whole. */
    private static boolean isRedisOnPort(ProcessHandle process, int port) {
        try {
            String line = Files.readString(Path.of("/proc", Long.toString(process.pid()), "cmdline")).replace('\0', ' ');
            return line.contains("redis-server") && (line.contains(":" + port + " ") || line.contains("--port " + port + " "));
        } catch (IOException gone) {
            return false;
        }
    }

    private static long signal(String redisUrl, String signal) {
        int port = URI.create(redisUrl).getPort();
        long pid = ProcessHandle.current().descendants().filter(p -> isRedisOnPort(p, port)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no redis-server on port " + port + " among "
                        + ProcessHandle.current().descendants().map(p -> Long.toString(p.pid())).collect(Collectors.joining(", "))))
                .pid();
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill " + signal + " " + pid + " failed");
            }
            return pid;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
