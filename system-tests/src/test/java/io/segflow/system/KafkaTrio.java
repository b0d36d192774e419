package io.segflow.system;

import io.segflow.testkit.Ports;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;

/**
 * Three KRaft Kafka nodes (each broker and controller, one quorum of three voters), each a JVM of its own on loopback,
 * as production runs them: replication factor 3 and {@code min.insync.replicas=2} for every topic, so an acknowledged
 * ({@code acks=all}) record is on two brokers at least and one broker may die without losing it. Runs
 * {@code kafka.Kafka} from this test's own class path.
 */
final class KafkaTrio implements AutoCloseable {
    private static final Duration READY = Duration.ofSeconds(90);
    private static final int NODES = 3;
    /** Tries this many times with new ports when a node exits before it listens. */
    private static final int START_ATTEMPTS = 3;

    private final Path dir;
    private final int[] ports;
    private final Process[] processes = new Process[NODES];

    private KafkaTrio(Path dir, int[] ports) {
        this.dir = dir;
        this.ports = ports;
    }

    /**
     * Starts the three nodes in {@code dir}. Their ports are picked free and then bound by the brokers: a test
     * starting its own services meanwhile can take one in between, and that node exits; then the trio starts again,
     * on new ports.
     */
    static KafkaTrio start(Path dir) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(dir.resolve("attempt-" + attempt));
            } catch (NodeExited exited) {
                if (attempt == START_ATTEMPTS) {
                    throw exited;
                }
                System.out.println("[kafka-trio] " + exited.getMessage() + "; starting again on new ports");
            }
        }
    }

    /** A node exited before it listened (its log's last lines in the message). */
    static final class NodeExited extends IllegalStateException {
        NodeExited(String message) {
            super(message);
        }
    }

    private static KafkaTrio startOnce(Path dir) throws Exception {
        int[] ports = new int[NODES];
        int[] controllerPorts = new int[NODES];
        for (int i = 0; i < NODES; i++) {
            ports[i] = freePort();
            controllerPorts[i] = freePort();
        }
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < NODES; i++) {
            voters.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(controllerPorts[i]);
        }
        String clusterId = Uuid.randomUuid().toString();
        KafkaTrio trio = new KafkaTrio(dir, ports);
        List<Process> formats = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            Path node = trio.node(i);
            Files.createDirectories(node);
            Files.writeString(node.resolve("server.properties"), String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=" + (i + 1),
                    "controller.quorum.voters=" + voters,
                    "listeners=PLAINTEXT://127.0.0.1:" + ports[i] + ",CONTROLLER://127.0.0.1:" + controllerPorts[i],
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + ports[i],
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "inter.broker.listener.name=PLAINTEXT",
                    "log.dirs=" + node.resolve("data"),
                    "num.partitions=3",
                    "auto.create.topics.enable=true",
                    "default.replication.factor=3",
                    "min.insync.replicas=2",
                    "offsets.topic.replication.factor=3",
                    "offsets.topic.num.partitions=3",
                    "transaction.state.log.num.partitions=3",
                    "transaction.state.log.replication.factor=3",
                    "transaction.state.log.min.isr=2",
                    "group.initial.rebalance.delay.ms=0",
                    // A dead broker leaves the in-sync replicas within seconds, not the default 30 s.
                    "replica.lag.time.max.ms=3000",
                    "broker.session.timeout.ms=3000",
                    "broker.heartbeat.interval.ms=500",
                    ""));
            formats.add(java(node, "kafka.tools.StorageTool", "format", "-t", clusterId,
                    "-c", node.resolve("server.properties").toString(), "--ignore-formatted").start());
        }
        for (Process format : formats) {
            if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                format.destroyForcibly();
                throw new IllegalStateException("formatting Kafka storage in " + dir + " failed; see its kafka.log files");
            }
        }
        for (int i = 0; i < NODES; i++) {
            trio.processes[i] = java(trio.node(i), "kafka.Kafka", trio.node(i).resolve("server.properties").toString()).start();
        }
        try {
            for (int i = 0; i < NODES; i++) {
                trio.awaitListening(i);
            }
        } catch (Exception e) {
            trio.close();
            throw e;
        }
        return trio;
    }

    private Path node(int i) {
        return dir.resolve("kafka-" + (i + 1));
    }

    private static ProcessBuilder java(Path dir, String mainClass, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        // Kafka's logging is bound to JBoss LogManager on this class path, which wants to be the JUL manager.
        List<String> command = new ArrayList<>(List.of(java, "-Xms128m", "-Xmx384m", "-XX:TieredStopAtLevel=1",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("kafka.log").toFile()));
    }

    String bootstrapServers() {
        return java.util.Arrays.stream(ports).mapToObj(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
    }

    /** SIGKILL of node {@code i} (0..2): no controlled shutdown, its partitions' leaders move to the others. */
    void kill(int i) throws InterruptedException {
        processes[i].destroyForcibly();
        if (!processes[i].waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("Kafka node " + (i + 1) + " did not die within 30 s of SIGKILL");
        }
    }

    private void awaitListening(int i) throws Exception {
        Instant deadline = Instant.now().plus(READY);
        while (Instant.now().isBefore(deadline)) {
            if (!processes[i].isAlive()) {
                throw new NodeExited("Kafka node " + (i + 1) + " exited before it listened; the end of "
                        + node(i).resolve("kafka.log") + ":\n" + lastLines(node(i).resolve("kafka.log"), 15));
            }
            try (Socket ignored = new Socket("127.0.0.1", ports[i])) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("Kafka node " + (i + 1) + " did not listen within " + READY);
    }

    @Override
    public void close() throws InterruptedException {
        for (Process process : processes) {
            if (process != null) {
                process.destroy();
            }
        }
        for (Process process : processes) {
            if (process != null && !process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static String lastLines(Path log, int count) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static int freePort() {
        return Ports.free();
    }
}
