package io.segflow.bench.pipeline;

import java.util.ArrayList;
import java.util.List;

/** The rows every phase adds, printed together as one table at the end of the run. */
final class Summary {
    private record Row(String phase, String metric, String value) {
    }

    private final List<Row> rows = new ArrayList<>();

    void add(String phase, String metric, String format, Object... args) {
        rows.add(new Row(phase, metric, String.format(format, args)));
    }

    void print() {
        if (rows.isEmpty()) {
            return;
        }
        int phase = "phase".length();
        int metric = "metric".length();
        for (Row row : rows) {
            phase = Math.max(phase, row.phase.length());
            metric = Math.max(metric, row.metric.length());
        }
        String format = "| %-" + phase + "s | %-" + metric + "s | %s%n";
        System.out.println();
        System.out.println("SUMMARY");
        System.out.printf(format, "phase", "metric", "value");
        System.out.printf(format, "-".repeat(phase), "-".repeat(metric), "-----");
        for (Row row : rows) {
            System.out.printf(format, row.phase, row.metric, row.value);
        }
    }
}
