package io.segflow.bench.engine;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the engine benchmarks (JMH options as for {@code org.openjdk.jmh.Main}) and prints the figures
 * docs/benchmarks.md reports: a table, then the ratios the issue asks about.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.segflow.bench.engine.EngineBenchmarks -f 1 -wi 2 -i 3 -w 2s -r 3s</pre>
 */
public final class EngineBenchmarks {
    private final Map<String, Result<?>> byName = new HashMap<>();

    public static void main(String[] args) throws Exception {
        CommandLineOptions command = new CommandLineOptions(args);
        OptionsBuilder builder = new OptionsBuilder();
        builder.parent(command);
        if (command.getIncludes().isEmpty()) {
            builder.include("io\\.segflow\\.bench\\.engine\\.");
        }
        Options options = builder.build();
        Collection<RunResult> results = new Runner(options).run();
        new EngineBenchmarks(results).print();
    }

    private EngineBenchmarks(Collection<RunResult> results) {
        for (RunResult run : results) {
            String method = run.getParams().getBenchmark();
            String name = method.substring(method.lastIndexOf('.', method.lastIndexOf('.') - 1) + 1);
            String segments = run.getParams().getParam("segments");
            byName.put(segments == null ? name : name + "[" + segments + "]", run.getPrimaryResult());
        }
    }

    private void print() {
        System.out.println("\n| benchmark | µs/op | ± (99.9%) |\n| --- | ---: | ---: |");
        byName.keySet().stream().sorted().forEach(name -> {
            Result<?> r = byName.get(name);
            System.out.printf("| %s | %.3f | %.3f |%n", name, r.getScore(), r.getScoreError());
        });
        System.out.println();
        ratio("segflow onEvent, 1,000 vs 10 segments", "EvaluationBenchmark.onEvent[1000]", "EvaluationBenchmark.onEvent[10]");
        ratio("segflow onEvent, 1,000 segments vs only the touched ones", "EvaluationBenchmark.onEvent[1000]",
                "EvaluationBenchmark.onEventTouchedOnly");
        for (String n : new String[] {"10", "100", "1000"}) {
            ratio("full re-evaluation vs onEvent, " + n, "EvaluationBenchmark.allSegments[" + n + "]", "EvaluationBenchmark.onEvent[" + n + "]");
            ratio("Drools update+fire vs segflow onEvent, " + n, "DroolsBenchmark.updateAndFire[" + n + "]", "EvaluationBenchmark.onEvent[" + n + "]");
            ratio("Drools build fact+fire vs segflow onEvent, " + n, "DroolsBenchmark.buildFactAndFire[" + n + "]",
                    "EvaluationBenchmark.onEvent[" + n + "]");
        }
    }

    /** a / b, with the error propagated from both relative errors (a rough bound, not a confidence interval). */
    private void ratio(String label, String a, String b) {
        Result<?> ra = byName.get(a);
        Result<?> rb = byName.get(b);
        if (ra == null || rb == null) {
            return;
        }
        double ratio = ra.getScore() / rb.getScore();
        double relative = Math.hypot(relativeError(ra), relativeError(rb));
        System.out.printf("%s: %.2fx ± %.2f%n", label, ratio, ratio * relative);
    }

    private static double relativeError(Result<?> result) {
        double error = result.getScoreError();
        return Double.isNaN(error) ? 0 : error / result.getScore();
    }
}
