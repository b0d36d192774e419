package io.segflow.bench.pipeline;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The physical limits of the same run, measured by the servers' own tools: Kafka's {@code kafka-producer-perf-test}
 * (through ingest's {@code ProducerPerfTool}: same producer settings, same warm-up) and {@code redis-benchmark}.
 */
final class Baselines {
    private static final Pattern REDIS_BENCHMARK = Pattern.compile("([A-Z]+): ([\\d.]+) requests per second.*");

    record Measured(double perSecond, String summary) {
    }

    private Baselines() {
    }

    /** Records per second of {@code kafka-producer-perf-test}, or null when the Kafka tools are not in {@code kafkaLibs}. */
    static Measured producerPerfTest(String kafkaLibs, String bootstrap, String topic, int recordBytes, long records)
            throws Exception {
        // ProducerPerfTool belongs to the ingest load generator and is package-private there; it is called, not copied.
        Class<?> tool = Class.forName("io.segflow.bench.ingest.ProducerPerfTool");
        Method libs = tool.getDeclaredMethod("libs", String.class);
        Method run = tool.getDeclaredMethod("run", Path.class, String.class, String.class, int.class, long.class);
        libs.setAccessible(true);
        run.setAccessible(true);
        Path folder = (Path) libs.invoke(null, kafkaLibs);
        if (folder == null) {
            return null;
        }
        Object result = run.invoke(null, folder, bootstrap, topic, recordBytes, records);
        Method perSecond = result.getClass().getDeclaredMethod("recordsPerSecond");
        Method summary = result.getClass().getDeclaredMethod("summary");
        perSecond.setAccessible(true);
        summary.setAccessible(true);
        return new Measured((Double) perSecond.invoke(result), (String) summary.invoke(result));
    }

    /** {@code redis-benchmark -t set,get -P 16}: the lower of the two rates, or null when it is not on the PATH. */
    static Measured redisBenchmark(String redisUrl) throws Exception {
        Path binary = onPath("redis-benchmark");
        if (binary == null) {
            return null;
        }
        URI uri = URI.create(redisUrl);
        List<String> command = List.of(binary.toString(), "-h", uri.getHost(), "-p", Integer.toString(uri.getPort() < 0 ? 6379 : uri.getPort()),
                "-q", "-t", "set,get", "-n", "200000", "-P", "16");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        double lowest = Double.MAX_VALUE;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                // -q prints progress with carriage returns before each final line
                String last = line.substring(line.lastIndexOf('\r') + 1).trim();
                Matcher m = REDIS_BENCHMARK.matcher(last);
                if (m.matches()) {
                    lines.add(m.group(1) + " " + m.group(2) + "/s");
                    lowest = Math.min(lowest, Double.parseDouble(m.group(2)));
                }
            }
        }
        if (!process.waitFor(5, TimeUnit.MINUTES) || lines.isEmpty()) {
            throw new IllegalStateException("redis-benchmark failed: " + command);
        }
        return new Measured(lowest, String.join(", ", lines));
    }

    private static Path onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
