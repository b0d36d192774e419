package io.segflow.bench.pipeline;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** segment-function's Prometheus endpoint ({@code --metrics-url}), read between two moments of a phase. */
final class SegmentMetrics {
    /** A {@code stage} label wherever it stands among the labels (Prometheus does not order them for us). */
    private static final Pattern STAGE = Pattern.compile("[{,]stage=\"([^\"]*)\"");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String url;

    SegmentMetrics(String url) {
        this.url = url;
    }

    String url() {
        return url;
    }

    /**
     * segflow's and the JVM's collector figures, each summed over its labels, and those with a {@code stage} label also
     * by stage ({@code name{stage="..."}}); empty when the endpoint does not answer.
     */
    Map<String, Double> read() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return figures(response.body());
        } catch (IOException | RuntimeException e) {
            // no figures: the caller falls back
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new TreeMap<>();
    }

    /** The figures {@link #read()} answers, from a Prometheus text exposition. */
    static Map<String, Double> figures(String exposition) {
        Map<String, Double> figures = new TreeMap<>();
        for (String line : exposition.split("\n")) {
            if (line.startsWith("segflow_") || line.startsWith("jvm_gc_")) {
                int end = line.indexOf('{') > 0 ? line.indexOf('{') : line.indexOf(' ');
                String name = line.substring(0, end);
                String labels = line.indexOf('{') > 0 ? line.substring(line.indexOf('{'), line.lastIndexOf('}') + 1) : "";
                double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                figures.merge(name, value, Double::sum);
                Matcher stage = STAGE.matcher(labels);
                if (stage.find()) {
                    figures.merge(name + "{stage=\"" + stage.group(1) + "\"}", value, Double::sum);
                }
            }
        }
        return figures;
    }
}
