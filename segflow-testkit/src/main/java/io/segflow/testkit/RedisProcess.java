package io.segflow.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A real {@code redis-server} as a child process on a free loopback port, without persistence (or, for restart
 * tests, with an append-only file). Uses {@code redis-server} from PATH, else the Redis 7 binary inside
 * {@code org.signal:embedded-redis}.
 */
public final class RedisProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    /** A cluster node's bus port, which {@code CLUSTER MEET} must name; 0 for a server outside a cluster. */
    private final int busPort;

    private RedisProcess(Process process, int port, int busPort) {
        this.process = process;
        this.port = port;
        this.busPort = busPort;
    }

    public static RedisProcess start() {
        return start(freePort());
    }

    public static RedisProcess start(int port) {
        return start(port, 0, List.of("--save", "", "--appendonly", "no"), ProcessBuilder.Redirect.DISCARD);
    }

    /**
     * A replica of the server on {@code masterPort}, without persistence; returns once its replication link is up
     * (the first sync done).
     */
    public static RedisProcess startReplicaOf(int masterPort) {
        int port = freePort();
        Path dir;
        try {
            dir = Files.createTempDirectory("segflow-replica"); // where the replica keeps the copy its sync loads
        } catch (IOException e) {
            throw new IllegalStateException("could not create a directory for the replica", e);
        }
        RedisProcess replica = start(port, 0, List.of("--save", "", "--appendonly", "no", "--dir", dir.toString(),
                "--replicaof", "127.0.0.1", String.valueOf(masterPort)), ProcessBuilder.Redirect.DISCARD);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        try (RespClient client = new RespClient(port)) {
            while (!client.text("INFO", "replication").contains("master_link_status:up")) {
                if (Instant.now().isAfter(deadline)) {
                    replica.close();
                    throw new IllegalStateException("the replica on " + port + " did not sync with " + masterPort + " within 30 s");
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            replica.close();
            throw new IllegalStateException(e);
        }
        return replica;
    }

    /**
     * With an append-only file in {@code dir}, fsynced before every reply, logging to {@code dir/redis.log}: started
     * again on the same port and directory after a kill, it reloads everything it had acknowledged. (With Redis'
     * default {@code appendfsync everysec}, writes acknowledged while a background fsync is slow can be lost.)
     */
    public static RedisProcess startAppendOnly(int port, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("could not create " + dir, e);
        }
        return start(port, 0, List.of("--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir.toString()),
                ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()));
    }

    /**
     * A node of a {@link RedisCluster}: cluster mode, its node table and log in {@code dir}, no persistence, on two free
     * ports: its own and its cluster bus's (given with {@code --cluster-port}, since the
     * default, its port + 10,000, may be taken or past 65,535). A port taken by another process between the choice and
     * the bind makes redis-server exit at once: tried again on new ports, up to three times.
     */
    static RedisProcess startClusterNode(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("could not create " + dir, e);
        }
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            int busPort = freePort();
            try {
                return start(port, busPort, List.of("--save", "", "--appendonly", "no", "--dir", dir.toString(),
                                "--cluster-enabled", "yes", "--cluster-port", String.valueOf(busPort),
                                "--cluster-config-file", "nodes-" + port + ".conf", "--cluster-node-timeout", "2000"),
                        ProcessBuilder.Redirect.appendTo(dir.resolve("redis-" + port + ".log").toFile()));
            } catch (IllegalStateException e) {
                last = e;
            }
        }
        throw last;
    }

    private static RedisProcess start(int port, int busPort, List<String> persistence, ProcessBuilder.Redirect output) {
        try {
            // A replica's first sync starts at once: by default a master waits 5 s for more replicas to share the
            // transfer, and every test that starts a replica would wait that long.
            List<String> command = new ArrayList<>(List.of(redisServerBinary().toString(),
                    "--bind", "127.0.0.1", "--port", String.valueOf(port), "--protected-mode", "no",
                    "--repl-diskless-sync-delay", "0"));
            command.addAll(persistence);
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output)
                    .start();
            awaitPort(port, process);
            return new RedisProcess(process, port, busPort);
        } catch (IOException e) {
            throw new IllegalStateException("could not start redis-server", e);
        }
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The cluster bus port of a cluster node (0 outside a cluster). */
    public int busPort() {
        return busPort;
    }

    /** The server's process id, for tests that signal it (SIGSTOP, SIGKILL). */
    public long pid() {
        return process.pid();
    }

    /** SIGSTOP: the server holds its connections open and answers nothing, as a frozen or partitioned host. */
    public void pause() {
        signal("-STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() {
        signal("-CONT");
    }

    private void signal(String signal) {
        signal(process.pid(), signal);
    }

    /** Sends {@code signal} ({@code -STOP}, {@code -CONT}) to a process: a server this JVM did not start, say. */
    public static void signal(long pid, String signal) {
        try {
            int exit = new ProcessBuilder("kill", signal, String.valueOf(pid)).inheritIO().start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kill " + signal + " " + pid + " exited with " + exit);
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not signal redis-server", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
    }

    static Path redisServerBinary() throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        String resource = "redis-server-7.0.15-" + os() + "-" + arch();
        Path target = Path.of(System.getProperty("java.io.tmpdir"), "segflow-" + resource);
        if (!Files.isExecutable(target)) {
            try (InputStream in = RedisProcess.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException("no redis-server on PATH and no bundled binary " + resource);
                }
                Path temp = Files.createTempFile(target.getParent(), "redis", ".tmp");
                Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
                temp.toFile().setExecutable(true);
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return target;
    }

    private static String os() {
        return System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("mac") ? "darwin" : "linux";
    }

    private static String arch() {
        String arch = System.getProperty("os.arch");
        return arch.equals("aarch64") || arch.equals("arm64") ? "arm64" : "amd64";
    }

    static int freePort() {
        return Ports.free();
    }

    private static void awaitPort(int port, Process process) throws IOException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue());
            }
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
        }
        process.destroy();
        throw new IOException("redis-server did not listen on port " + port + " within 10 s");
    }
}
