package io.segflow.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * infra/local/up refuses a port another process holds before it builds or starts anything: the user learns it at once,
 * and no half-started stack is left behind. status and down, given only the stack's home, see the ports it was started
 * with.
 */
class LocalStackPortsTest {

    private static final List<String> PORT_VARIABLES = List.of("SEGFLOW_API_PORT", "SEGFLOW_INGEST_PORT",
            "SEGFLOW_SEGMENT_PORT", "SEGFLOW_TRIGGER_PORT", "SEGFLOW_KAFKA_PORT", "SEGFLOW_KAFKA_CONTROLLER_PORT",
            "SEGFLOW_REDIS_PORT", "SEGFLOW_PROMETHEUS_PORT");

    @Test
    void aTakenPortStopsUpBeforeAnythingStarts(@TempDir Path home) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Map<String, String> env = Map.of(
                    "SEGFLOW_HOME", home.toString(),
                    "SEGFLOW_API_PORT", String.valueOf(taken.getLocalPort()),
                    "SEGFLOW_INGEST_PORT", freePort(),
                    "SEGFLOW_SEGMENT_PORT", freePort(),
                    "SEGFLOW_TRIGGER_PORT", freePort(),
                    "SEGFLOW_KAFKA_PORT", freePort(),
                    "SEGFLOW_KAFKA_CONTROLLER_PORT", freePort(),
                    "SEGFLOW_REDIS_PORT", freePort());
            try {
                Run up = run(env, home, "up", "--detach");

                assertThat(up.exitCode()).as(up.output()).isEqualTo(1);
                assertThat(up.output()).contains("port " + taken.getLocalPort() + " (for api) is already in use")
                        .contains("SEGFLOW_API_PORT");
                assertThat(pidFiles(home)).as(up.output()).isEmpty();
            } finally {
                run(env, home, "down", "--purge");
            }
        }
    }

    /** Kafka and Redis on other ports, one of them killed: status and down are run with nothing but the home. */
    @Test
    void statusAndDownSeeThePortsTheStackWasStartedWith(@TempDir Path home) throws Exception {
        String redisPort = freePort();
        String kafkaPort = freePort();
        Map<String, String> onlyHome = Map.of("SEGFLOW_HOME", home.toString());
        try {
            Run up = run(Map.of("SEGFLOW_HOME", home.toString(), "SEGFLOW_ONLY", "infra", "SEGFLOW_REDIS_PORT", redisPort,
                    "SEGFLOW_KAFKA_PORT", kafkaPort, "SEGFLOW_KAFKA_CONTROLLER_PORT", freePort()), home, "up", "--detach");
            assertThat(up.exitCode()).as(up.output()).isZero();
            long kafka = Long.parseLong(Files.readString(home.resolve("pids/kafka.pid")).trim());
            ProcessHandle redis = ProcessHandle.of(Long.parseLong(Files.readString(home.resolve("pids/redis.pid")).trim()))
                    .orElseThrow();
            redis.destroyForcibly();
            redis.onExit().get(30, TimeUnit.SECONDS);

            Run status = run(onlyHome, home, "status");

            assertThat(status.output()).as(status.output())
                    .containsPattern("(?m)^redis +dead +- +" + redisPort + " ")
                    .containsPattern("(?m)^kafka +running +" + kafka + " +" + kafkaPort + " +ok");

            Run down = run(onlyHome, home, "down");

            assertThat(down.exitCode()).as(down.output()).isZero();
            // Dead once down returns, and gone once reaped: a timeout here means down left it running.
            Optional<ProcessHandle> broker = ProcessHandle.of(kafka);
            if (broker.isPresent()) {
                broker.get().onExit().get(30, TimeUnit.SECONDS);
            }
            assertThat(pidFiles(home)).isEmpty();
            assertThat(run(onlyHome, home, "status").output()).containsPattern("(?m)^kafka +stopped +- +9092 ");
        } finally {
            run(onlyHome, home, "down", "--purge");
        }
    }

    private record Run(int exitCode, String output) {
    }

    private static Run run(Map<String, String> env, Path home, String script, String... arguments)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", Repo.ROOT.resolve("infra/local/" + script).toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(Repo.ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(home.resolve(script + ".out").toFile());
        // Only the ports this test sets: none from the environment the build runs in.
        PORT_VARIABLES.forEach(builder.environment()::remove);
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor();
        }
        return new Run(process.exitValue(), Files.readString(builder.redirectOutput().file().toPath(), StandardCharsets.UTF_8));
    }

    private static String freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return String.valueOf(socket.getLocalPort());
        }
    }

    private static List<Path> pidFiles(Path home) throws IOException {
        Path pids = home.resolve("pids");
        if (!Files.isDirectory(pids)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(pids)) {
            return files.filter(f -> f.toString().endsWith(".pid")).toList();
        }
    }
}
