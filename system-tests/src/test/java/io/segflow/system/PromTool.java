package io.segflow.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Prometheus's {@code promtool} (Debian's prometheus package), as CI installs it. */
final class PromTool {
    private PromTool() {
    }

    /** What {@code promtool check metrics} said: its exit code and the lines that name a problem. */
    record Result(int exitCode, List<String> problems) {
    }

    /** promtool on the PATH, or null. */
    static Path find() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "promtool");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** The lines of an exposition (text format) that belong to metric families whose name starts with {@code prefix}. */
    static String familiesStartingWith(String exposition, String prefix) {
        StringBuilder kept = new StringBuilder();
        exposition.lines().filter(line -> {
            String name = line.startsWith("# HELP ") || line.startsWith("# TYPE ") ? line.substring(7) : line;
            return name.startsWith(prefix);
        }).forEach(line -> kept.append(line).append('\n'));
        return kept.toString();
    }

    /**
     * The Prometheus Java client writes a counter's HELP and TYPE under its family name ({@code x}) and its sample as
     * {@code x_total}, as OpenMetrics does; promtool 2.42's text parser takes the sample for a family of its own and
     * reports it without help. Such a line is not a problem of the exposition when the family has a help text.
     */
    private static boolean isCounterHelpMisread(String line, String exposition) {
        String suffix = "_total no help text";
        if (!line.endsWith(suffix)) {
            return false;
        }
        String family = line.substring(0, line.length() - suffix.length());
        String help = "# HELP " + family + " ";
        return exposition.contains("# TYPE " + family + " counter\n")
                && exposition.lines().anyMatch(l -> l.startsWith(help) && !l.substring(help.length()).isBlank());
    }

    /** Pipes an exposition to {@code promtool check metrics}; problems promtool 2.42 misreads are left out. */
    static Result checkMetrics(Path promtool, String exposition) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (var stdin = process.getOutputStream()) {
            stdin.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("promtool check metrics did not finish in 30 s");
        }
        List<String> problems = output.lines().filter(line -> !line.isBlank())
                .filter(line -> !isCounterHelpMisread(line, exposition)).toList();
        return new Result(problems.isEmpty() ? 0 : process.exitValue(), problems);
    }
}
