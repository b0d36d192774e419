package io.segflow.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * infra/local/up refuses a port another process holds before it builds or starts anything: the user learns it at once,
 * and no half-started stack is left behind.
 */
class LocalStackPortsTest {

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

    private record Run(int exitCode, String output) {
    }

    private static Run run(Map<String, String> env, Path home, String script, String argument)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", Repo.ROOT.resolve("infra/local/" + script).toString(), argument)
                .directory(Repo.ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(home.resolve(script + ".out").toFile());
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
