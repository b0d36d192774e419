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
import org.apache.kafka.common.Uuid;

/**
 * A one-node KRaft Kafka (broker and controller in one) as a JVM of its own, on fixed loopback ports and a data
 * directory: unlike the in-process broker, it can be paused with SIGSTOP, and killed with SIGKILL and started again
 * where it was, as a crashed broker is. Runs {@code kafka.Kafka} from this test's own class path.
 */
final class KafkaProcess implements AutoCloseable {
    private static final Duration READY = Duration.ofSeconds(90);

    private final Path dir;
    private final int port;
    private Process process;
    private int starts;

    private KafkaProcess(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Formats {@code dir} for a new cluster and starts the broker on free ports. */
    static KafkaProcess start(Path dir) throws Exception {
        Files.createDirectories(dir);
        int port = freePort();
        int controllerPort = freePort();
        Files.writeString(dir.resolve("server.properties"), String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=3",
                "auto.create.topics.enable=true",
                "offsets.topic.replication.factor=1",
                // Fewer internal partitions than the defaults (50): the broker is ready sooner on a small machine.
                "offsets.topic.num.partitions=3",
                "transaction.state.log.num.partitions=3",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                // Started again after a SIGKILL, the broker is refused as a duplicate registration until the session
                // its previous run left in the controller expires (9 s by default): keep that short.
                "broker.session.timeout.ms=3000",
                "broker.heartbeat.interval.ms=500",
                ""));
        Process format = java(dir, "kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(),
                "-c", dir.resolve("server.properties").toString(), "--ignore-formatted").start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            format.destroyForcibly();
            throw new IllegalStateException("formatting Kafka storage in " + dir + " failed; see " + dir.resolve("kafka.log"));
        }
        KafkaProcess kafka = new KafkaProcess(dir, port);
        kafka.launch();
        return kafka;
    }

    private static ProcessBuilder java(Path dir, String mainClass, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        // Kafka's logging is bound to JBoss LogManager on this class path, which wants to be the JUL manager.
        List<String> command = new ArrayList<>(List.of(java, "-Xms128m", "-Xmx512m", "-XX:TieredStopAtLevel=1",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("kafka.log").toFile()));
    }

    private void launch() throws Exception {
        starts++;
        process = java(dir, "kafka.Kafka", dir.resolve("server.properties").toString()).start();
        awaitListening();
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL: no controlled shutdown, nothing flushed; the next start recovers the logs. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("Kafka (pid " + process.pid() + ") did not die within 30 s of SIGKILL");
        }
    }

    /** Starts the broker again on the same ports and data, once the previous one has ended. */
    void startAgain() throws Exception {
        if (process.isAlive()) {
            throw new IllegalStateException("Kafka still runs; kill it before starting it again");
        }
        launch();
    }

    Path log() {
        return dir.resolve("kafka.log");
    }

    private void awaitListening() throws Exception {
        Instant deadline = Instant.now().plus(READY);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Kafka exited with " + process.exitValue() + " (start " + starts + "); see " + log());
            }
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("Kafka did not listen on " + port + " within " + READY + "; see " + log());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    private static int freePort() {
        return Ports.free();
    }
}
