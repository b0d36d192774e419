package io.segflow.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Prometheus metric names the functions expose, read from their sources, plus the checked lists of the rest. */
final class ExposedMetrics {
    /**
     * Meters registered in code: registry.counter("a.b"), Timer.builder("a.b"), ..., and helpers of the same names
     * taking the registry first or the name first: counter(registry, "a.b", ...), counter("a.b", ...).
     */
    private static final Pattern METER = Pattern.compile(
            "(?:\\b(counter|timer|gauge|summary)|\\b(Counter|Timer|Gauge|DistributionSummary)\\.builder)\\(\\s*(?:\\w+\\s*,\\s*)?\"([^\"]+)\"");

    /** Quarkus' own (quarkus-micrometer HTTP server binder and the Kafka client binder of SmallRye consumers). */
    static final Set<String> QUARKUS = Set.of(
            "http_server_requests_seconds_count", "http_server_requests_seconds_sum", "http_server_requests_seconds_max",
            "kafka_consumer_fetch_manager_records_lag", "kafka_consumer_fetch_manager_records_lag_max");

    /** Exposed by the platform, not the functions: Strimzi's Kafka Exporter (enabled in the Kafka resource). */
    static final Set<String> PLATFORM = Set.of("kafka_consumergroup_lag");

    private ExposedMetrics() {
    }

    /** Names as the Prometheus registry writes them for the meters in the functions' main sources. */
    static Set<String> fromCode() {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> sources = Files.walk(Repo.ROOT)) {
            for (Path source : sources.filter(ExposedMetrics::isMainSource).toList()) {
                Matcher meter = METER.matcher(Files.readString(source));
                while (meter.find()) {
                    String type = (meter.group(1) != null ? meter.group(1) : meter.group(2)).toLowerCase();
                    String base = meter.group(3).replaceAll("[.\\-]", "_");
                    if (isHistogram(source, meter.end())) {
                        names.add(base + "_seconds_bucket");
                    }
                    switch (type) {
                        case "counter" -> names.add(base + "_total");
                        case "timer" -> Stream.of("_count", "_sum", "_max").forEach(s -> names.add(base + "_seconds" + s));
                        case "summary", "distributionsummary" -> Stream.of("_count", "_sum", "_max").forEach(s -> names.add(base + s));
                        default -> names.add(base);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    static Set<String> all() {
        Set<String> all = new TreeSet<>(fromCode());
        all.addAll(QUARKUS);
        all.addAll(PLATFORM);
        return all;
    }

    /** A meter built with SLO buckets or a percentile histogram (up to the end of its statement) exposes _bucket. */
    private static boolean isHistogram(Path source, int from) throws IOException {
        String text = Files.readString(source);
        int end = text.indexOf(';', from);
        String statement = text.substring(from, end < 0 ? text.length() : end);
        return statement.contains("serviceLevelObjectives") || statement.contains("publishPercentileHistogram");
    }

    private static boolean isMainSource(Path file) {
        String path = Repo.ROOT.relativize(file).toString().replace('\\', '/');
        return path.endsWith(".java") && path.matches("[a-z-]+-function/src/main/java/.*");
    }
}
