package io.segflow.system;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** One packaged function ({@code target/quarkus-app/quarkus-run.jar}) running as its own JVM process. */
final class FunctionProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final String logName;
    private final Map<String, String> env;
    private final int starts;
    private final Process process;
    private final Path log;
    private final int port;

    private FunctionProcess(String name, String logName, Map<String, String> env, int starts, Process process, Path log, int port) {
        this.name = name;
        this.logName = logName;
        this.env = Map.copyOf(env);
        this.starts = starts;
        this.process = process;
        this.log = log;
        this.port = port;
    }

    static Path root() {
        return Path.of(System.getProperty("segflow.root", "..")).toAbsolutePath().normalize();
    }

    static FunctionProcess start(String module, int port, Map<String, String> env) throws IOException {
        return start(module, module, port, env);
    }

    /** Waits for all of them to be ready at once: JVM startups dominate the time of a test that starts several. */
    static void awaitAllReady(Collection<FunctionProcess> processes, Duration timeout) {
        CompletableFuture.allOf(processes.stream().map(f -> CompletableFuture.runAsync(() -> {
            try {
                f.awaitReady(timeout);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        })).toArray(CompletableFuture[]::new)).join();
    }

    /** As {@link #start(String, int, Map)}, logging to {@code system-tests/target/function-logs/<logName>.log}. */
    static FunctionProcess start(String module, String logName, int port, Map<String, String> env) throws IOException {
        return start(module, logName, 1, port, env);
    }

    private static FunctionProcess start(String module, String logName, int starts, int port, Map<String, String> env) throws IOException {
        Path jar = root().resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing; package the functions first (mvnw verify does)");
        }
        Path logDir = root().resolve("system-tests/target/function-logs");
        Files.createDirectories(logDir);
        // A restart logs to a file of its own: the log of the run before it is the evidence of how it ended.
        Path log = logDir.resolve(starts == 1 ? logName + ".log" : logName + "-" + starts + ".log");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1"));
        Path aotCache = jar.resolveSibling("app.aot");
        if (Files.exists(aotCache)) {
            command.add("-XX:AOTCache=" + aotCache); // trained by the build's integration tests: a restart in a second
        }
        command.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("QUARKUS_HTTP_PORT", String.valueOf(port));
        builder.environment().put("QUARKUS_OTEL_SDK_DISABLED", "true");
        builder.environment().putAll(env);
        return new FunctionProcess(module, logName, env, starts, builder.start(), log, port);
    }

    /** The same function started again on the same port with the same environment, once this one has ended. */
    FunctionProcess restart() throws IOException {
        if (process.isAlive()) {
            throw new IllegalStateException(name + " still runs; kill or close it before restarting it");
        }
        return start(name, logName, starts + 1, port, env);
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    FunctionProcess awaitReady(Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        HttpRequest ready = HttpRequest.newBuilder(URI.create(url() + "/q/health/ready")).timeout(Duration.ofSeconds(2)).build();
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + logTail());
            }
            try {
                if (HTTP.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return this;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(name + " was not ready within " + timeout + ":\n" + logTail());
    }

    /** The status and body of its readiness check now. */
    HttpResponse<String> readiness() throws IOException, InterruptedException {
        HttpRequest ready = HttpRequest.newBuilder(URI.create(url() + "/q/health/ready")).timeout(Duration.ofSeconds(5)).build();
        return HTTP.send(ready, HttpResponse.BodyHandlers.ofString());
    }

    /** Waits for the process to end by itself (a refused start), returning its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " is still running after " + timeout);
        }
        return process.exitValue();
    }

    /** SIGKILL, as a crashed JVM or an OOM-killed pod: no shutdown hook runs, nothing is flushed or closed. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") did not die within 30 s of SIGKILL");
        }
    }

    Path log() {
        return log;
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        awaitStopped();
    }

    /**
     * SIGTERM to all of them at once, then the wait for each to end: their shutdowns (a few seconds each, mostly
     * closing Kafka consumers) overlap instead of adding up. For functions on the test JVM's shared Kafka: stopped
     * gracefully, they leave their consumer groups, and the next test class's functions join them without waiting for
     * a dead member's session to time out.
     */
    static void closeAll(Collection<FunctionProcess> processes) throws InterruptedException {
        processes.forEach(function -> function.process.destroy());
        for (FunctionProcess function : processes) {
            function.awaitStopped();
        }
    }

    /**
     * SIGKILL to all of them at once, then the wait for each to end: the end of a stack with a Kafka of its own, closed
     * right after, where nothing is checked any more. A graceful stop there costs each stack its slowest shutdown
     * (trigger-function's takes 1 to 4 s, up to its stop-wait for calls in flight); the tests that check a graceful
     * stop use {@link #close()}.
     */
    static void killAll(Collection<FunctionProcess> processes) throws InterruptedException {
        processes.forEach(function -> function.process.destroyForcibly());
        for (FunctionProcess function : processes) {
            function.process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private void awaitStopped() throws InterruptedException {
        if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
