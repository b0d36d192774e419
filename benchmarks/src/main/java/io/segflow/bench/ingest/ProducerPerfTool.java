package io.segflow.bench.ingest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kafka's own producer performance tool ({@code kafka-producer-perf-test}, i.e.
 * {@code org.apache.kafka.tools.ProducerPerformance}) run as a separate JVM from the Kafka jars the local stack
 * fetched ({@code <SEGFLOW_HOME>/kafka/libs}), with ingest's producer settings and the record size ingest writes.
 */
final class ProducerPerfTool {
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) records sent, ([\\d.]+) records/sec .*");

    record Result(long records, double recordsPerSecond, String summary) {
    }

    private ProducerPerfTool() {
    }

    /** The Kafka libs folder, or null when the local stack did not fetch the tools. */
    static Path libs(String configured) {
        Path libs = Path.of(configured);
        try (var files = Files.list(libs)) {
            return files.anyMatch(f -> f.getFileName().toString().matches("kafka-tools-\\d.*\\.jar")) ? libs : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** A warm-up run of a tenth of the records, then the measured one. */
    static Result run(Path libs, String bootstrap, String topic, int recordBytes, long records)
            throws IOException, InterruptedException {
        once(libs, bootstrap, topic, recordBytes, Math.max(10_000, records / 10));
        return once(libs, bootstrap, topic, recordBytes, records);
    }

    private static Result once(Path libs, String bootstrap, String topic, int recordBytes, long records)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", libs.toAbsolutePath() + "/*", "org.apache.kafka.tools.ProducerPerformance",
                "--topic", topic, "--num-records", Long.toString(records), "--record-size", Integer.toString(recordBytes),
                "--throughput", "-1", "--producer-props", "bootstrap.servers=" + bootstrap, "acks=all",
                "enable.idempotence=true", "linger.ms=2", "batch.size=131072"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String summary = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (SUMMARY.matcher(line).matches()) {
                    summary = line;
                }
            }
        }
        if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0 || summary == null) {
            throw new IOException("kafka-producer-perf-test failed (exit " + process.exitValue() + "): " + command);
        }
        Matcher m = SUMMARY.matcher(summary);
        m.matches();
        return new Result(Long.parseLong(m.group(1)), Double.parseDouble(m.group(2)), summary);
    }
}
