package io.segflow.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Soak of the whole local stack: a steady rate of Segment calls through ingest's HTTP API for a user population that
 * turns over ({@link Traffic}), the 20 typical segments plus short windows that flip by time, two triggers, membership
 * reads and SSE streams; in the middle a new segment (a backfill over every known user); and one {@code kill -9} and
 * restart of each function spread over the run ({@link Restarts}). Every {@code --sample} seconds it prints one row of
 * memory, lag and Redis figures ({@link Sampler}); every {@code --gc-every} seconds (and at the end) also each
 * function's heap right after a full GC. At the end: first against last window and the slope per hour of every
 * series, a table per 5 minutes and the restarts, as Markdown for docs/benchmarks.md; every sample is in {@code --csv}.
 *
 * <pre>
 * export SEGFLOW_HOME=/tmp/sf-soak SEGFLOW_KAFKA_PORT=39192 SEGFLOW_REDIS_PORT=36479 SEGFLOW_API_PORT=38180 \
 *   SEGFLOW_INGEST_PORT=38181 SEGFLOW_SEGMENT_PORT=38182 SEGFLOW_TRIGGER_PORT=38183
 * infra/local/up --detach
 * java -cp benchmarks/target/benchmarks.jar io.segflow.bench.soak.Soak --minutes 30 --rate 400
 * infra/local/down --purge
 * </pre>
 *
 * <p>Options (defaults): {@code --minutes} (30), {@code --rate} events/s (400), {@code --sample} s (30), {@code --gc-every}
 * s (300), {@code --shop-users} live at a time (4000), {@code --shop-join} new shop users/s (2), {@code --browsers} live
 * (1500), {@code --browser-join} (8/s), {@code --browser-share} of the events (0.3), {@code --reads}/s (10),
 * {@code --streams} (10), {@code --backfill-at} fraction of the run (0.5), {@code --restarts}
 * (ingest@0.2,segment@0.4,trigger@0.6,api@0.8, or none), {@code --repo} (.), {@code --home} ($SEGFLOW_HOME),
 * {@code --csv} ($SEGFLOW_HOME/soak-samples.csv).
 */
public final class Soak {
    private record Row(double seconds, Map<String, Double> values) {
        double get(String name) {
            return values.getOrDefault(name, Double.NaN);
        }
    }

    private record BackfillResult(double atMinute, double seconds, long revision, long members, double knownUsers, String state) {
    }

    private Soak() {
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        SoakOptions options = SoakOptions.parse(args);
        System.out.printf("soak: %.0f min at %d events/s through %s; stack state in %s; %s%n", options.minutes(), options.rate(),
                options.ingestUrl(), options.home(), machine());
        System.out.printf("population: %d live shop users (+%.1f/s), %d live browsers (+%.1f/s, %.0f%% of the events); "
                        + "%d reads/s, %d SSE streams; backfill at %.0f%%; restarts %s%n",
                options.shopUsers(), options.shopJoinPerSecond(), options.browsers(), options.browserJoinPerSecond(),
                options.browserShare() * 100, options.readsPerSecond(), options.streams(), options.backfillAt() * 100, options.restarts());

        List<Row> rows = new ArrayList<>();
        List<BackfillResult> backfills = new ArrayList<>();
        try (AdminApi admin = new AdminApi(options);
             Sampler sampler = new Sampler(options, List.copyOf(AdminApi.segmentIds()));
             Traffic traffic = new Traffic(options)) {
            admin.defineAll();
            System.out.printf("defined: 20 typical segments + scoring, %s, triggers soak-hook (webhook, delay 1m) and soak-cart (kafka); run id %s%n",
                    AdminApi.SHORT_WINDOWS.keySet(), traffic.run());
            sampler.browsers(traffic.run());
            Restarts restarts = new Restarts(options, sampler, traffic);
            ScheduledExecutorService actions = Executors.newScheduledThreadPool(2);
            traffic.start();
            long start = System.nanoTime();
            for (SoakOptions.Restart restart : options.restarts()) {
                actions.schedule(() -> {
                    try {
                        restarts.restart(restart.function(), restart.at() * options.minutes());
                    } catch (Exception e) {
                        System.out.println("# restart of " + restart.function() + " failed: " + e);
                    }
                }, (long) (restart.at() * options.seconds() * 1000), TimeUnit.MILLISECONDS);
            }
            if (options.backfillAt() > 0 && options.backfillAt() < 1) {
                actions.schedule(() -> backfill(admin, rows, backfills, options.backfillAt() * options.minutes()),
                        (long) (options.backfillAt() * options.seconds() * 1000), TimeUnit.MILLISECONDS);
            }

            header();
            int samples = (int) Math.floor(options.seconds() / options.sampleSeconds());
            long lastAccepted = 0;
            long lastNanos = start;
            List<String> columns = null;
            try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(options.csv()))) {
                for (int k = 0; k <= samples; k++) {
                    long due = start + (long) (k * options.sampleSeconds() * 1e9);
                    LockSupport.parkNanos(due - System.nanoTime());
                    int second = k * options.sampleSeconds();
                    boolean gc = k == samples || (k > 0 && second % options.gcEverySeconds() == 0);
                    Map<String, Double> values = new LinkedHashMap<>();
                    long now = System.nanoTime();
                    long accepted = traffic.accepted.get();
                    values.put("ev/s", k == 0 ? Double.NaN : (accepted - lastAccepted) / ((now - lastNanos) / 1e9));
                    lastAccepted = accepted;
                    lastNanos = now;
                    values.put("gen.generated", (double) traffic.generated.get());
                    values.put("gen.accepted", (double) accepted);
                    values.put("gen.failedRequests", (double) traffic.failedRequests.get());
                    values.put("gen.dropped", (double) traffic.dropped.get());
                    values.put("gen.duplicates", (double) traffic.duplicatesSent.get());
                    values.put("gen.backlog", (double) traffic.backlog());
                    values.put("users", (double) traffic.usersSeen());
                    values.put("reads.ok", (double) traffic.readsOk.get());
                    values.put("reads.failed", (double) traffic.readsFailed.get());
                    values.put("streams.open", (double) traffic.streamsOpen.get());
                    values.put("streams.messages", (double) traffic.streamMessages.get());
                    values.put("streams.failures", (double) traffic.streamFailures.get());
                    values.put("hooks.calls", (double) admin.hookCalls.get());
                    values.put("hooks.distinct", (double) admin.distinctHooks());
                    values.putAll(sampler.take(gc));
                    Row row = new Row((now - start) / 1e9, values);
                    synchronized (rows) {
                        rows.add(row);
                    }
                    if (columns == null) {
                        columns = new ArrayList<>(values.keySet());
                        csv.println("seconds," + String.join(",", columns));
                    }
                    StringBuilder line = new StringBuilder(String.format("%.1f", row.seconds()));
                    for (String column : columns) {
                        double v = row.get(column);
                        line.append(',').append(Double.isNaN(v) ? "" : String.format("%.3f", v));
                    }
                    csv.println(line);
                    csv.flush();
                    print(row);
                }
            }
            traffic.stop(30);
            actions.shutdown();
            if (!actions.awaitTermination(5, TimeUnit.MINUTES)) {
                System.out.println("# a restart or the backfill was still running at the end");
            }
            System.out.printf("%ntraffic: %,d events generated, %,d accepted, %,d dropped, %,d failed requests (resent), %,d sent twice on purpose; "
                            + "%,d users; reads %,d ok / %,d failed; SSE %,d opens, %,d messages, %,d breaks; webhooks %,d calls, %,d distinct, %,d repeated ids%n",
                    traffic.generated.get(), traffic.accepted.get(), traffic.dropped.get(), traffic.failedRequests.get(),
                    traffic.duplicatesSent.get(), traffic.usersSeen(), traffic.readsOk.get(), traffic.readsFailed.get(),
                    traffic.streamOpens.get(), traffic.streamMessages.get(), traffic.streamFailures.get(), admin.hookCalls.get(),
                    admin.distinctHooks(), admin.hookDuplicates.get());
            summary(options, rows);
            blocks(rows, options);
            System.out.println();
            System.out.println("| restart (kill -9) | at | `infra/local/up` ready | recovered | how |");
            System.out.println("| --- | ---: | ---: | ---: | --- |");
            for (Restarts.Result r : restarts.results()) {
                System.out.printf("| %s-function | %.1f min | %.1f s | %.1f s | %s |%n", r.function(), r.atMinute(), r.upReady(), r.recovered(), r.detail());
            }
            for (BackfillResult b : backfills) {
                System.out.printf("%nbackfill: %s saved at minute %.1f (revision %d), %s after %.1f s over %,.0f known users; %,d members%n",
                        AdminApi.BACKFILL_SEGMENT, b.atMinute(), b.revision(), b.state(), b.seconds(), b.knownUsers(), b.members());
            }
            System.out.println("samples: " + options.csv());
        }
        System.exit(0);
    }

    private static void backfill(AdminApi admin, List<Row> rows, List<BackfillResult> results, double atMinute) {
        try {
            double known;
            synchronized (rows) {
                known = rows.isEmpty() ? Double.NaN : rows.getLast().get("redis.registry");
            }
            long t0 = System.nanoTime();
            admin.saveBackfillSegment();
            System.out.printf("# backfill: %s saved at minute %.1f (%s)%n", AdminApi.BACKFILL_SEGMENT, atMinute, AdminApi.BACKFILL_CONDITION);
            long deadline = t0 + TimeUnit.MINUTES.toNanos(10);
            while (System.nanoTime() < deadline) {
                JsonNode segment = admin.segment(AdminApi.BACKFILL_SEGMENT);
                if (segment != null) {
                    String state = segment.path("backfill").path("state").asText();
                    if (state.equals("complete") || state.equals("partial")) {
                        double seconds = (System.nanoTime() - t0) / 1e9;
                        BackfillResult result = new BackfillResult(atMinute, seconds, segment.path("backfill").path("revision").asLong(),
                                segment.path("memberCount").asLong(), known, state);
                        synchronized (results) {
                            results.add(result);
                        }
                        System.out.printf("# backfill %s after %.1f s (revision %d, %,d members, ~%,.0f known users)%n", state, seconds,
                                result.revision(), result.members(), known);
                        return;
                    }
                }
                Thread.sleep(500);
            }
            System.out.println("# backfill NOT complete after 10 minutes");
        } catch (Exception e) {
            System.out.println("# backfill failed: " + e);
        }
    }

    // ------------------------------------------------------------------ printing

    private static void header() {
        System.out.println();
        System.out.println("  min   ev/s  users back |  RSS MB i/s/t/a     | heap MB i/s/t/a  | cpu% i/s/t/a    |  lag seg  trg trgE | keys    redisMB pend wakes (brw) regist trgDue | p5m  p1m  v2m | load");
    }

    private static void print(Row r) {
        StringBuilder line = new StringBuilder(String.format("%5.1f %6.0f %6.0f %4.0f |", r.seconds() / 60, r.get("ev/s"), r.get("users"), r.get("gen.backlog")));
        for (String f : SoakOptions.FUNCTIONS) {
            line.append(String.format(" %4.0f", r.get("rss." + f)));
        }
        line.append(" |");
        for (String f : SoakOptions.FUNCTIONS) {
            line.append(String.format(" %3.0f", r.get("heap." + f)));
        }
        line.append(" |");
        for (String f : SoakOptions.FUNCTIONS) {
            line.append(String.format(" %3.0f", r.get("cpu." + f)));
        }
        line.append(String.format(" | %6.0f %4.0f %4.0f", r.get("lag.segment-function"), r.get("lag.trigger-function"), r.get("lag.trigger-function-events")));
        line.append(String.format(" | %7.0f %5.1f %4.0f %5.0f %5.0f %6.0f %5.0f", r.get("redis.keys"), r.get("redis.mem"), r.get("redis.pending"),
                r.get("redis.wakes"), r.get("redis.wakes.browsers"), r.get("redis.registry"), r.get("trg.due")));
        line.append(String.format(" | %4.0f %4.0f %4.0f | %.2f", r.get("members.soak-page-5m"), r.get("members.soak-page-1m"),
                r.get("members.soak-view-2m"), r.get("load1")));
        System.out.println(line);
        if (!Double.isNaN(r.get("gcheap.segment")) || !Double.isNaN(r.get("gcheap.ingest"))) {
            StringBuilder gc = new StringBuilder("#   heap after full GC (MB):");
            for (String f : SoakOptions.FUNCTIONS) {
                gc.append(String.format(" %s %.1f", f, r.get("gcheap." + f)));
            }
            gc.append(String.format("; threads %s; open files %s", perFunction(r, "threads."), perFunction(r, "files.")));
            System.out.println(gc);
        }
    }

    private static String perFunction(Row r, String prefix) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < SoakOptions.FUNCTIONS.size(); i++) {
            s.append(i == 0 ? "" : "/").append(String.format("%.0f", r.get(prefix + SoakOptions.FUNCTIONS.get(i))));
        }
        return s.toString();
    }

    // ------------------------------------------------------------------ summary

    /** First against last window (10 minutes, or a third of a shorter run), min, max, least-squares slope per hour. */
    private static void summary(SoakOptions options, List<Row> rows) {
        double end = rows.getLast().seconds();
        double window = Math.min(600, end / 3);
        double slopeFrom = Math.min(300, end / 6); // windows fill and JVMs warm up in the first minutes
        System.out.printf("%nsummary (first window: minutes 0-%.1f, last: %.1f-%.1f; slope per hour by least squares from minute %.1f):%n",
                window / 60, (end - window) / 60, end / 60, slopeFrom / 60);
        System.out.printf("%-34s %12s %12s %12s %12s %14s%n", "series", "first", "last", "min", "max", "slope/h");
        List<String> names = new ArrayList<>(rows.getLast().values().keySet());
        for (String name : names) {
            if (name.startsWith("gen.") || name.startsWith("reads.") || name.startsWith("streams.messages") || name.startsWith("hooks.")
                    || name.startsWith("kafka.") && !name.equals("kafka.groups")) {
                continue; // counters: their totals are printed above
            }
            double first = mean(rows, name, 0, window);
            double last = mean(rows, name, end - window, end + 1);
            double min = Double.MAX_VALUE;
            double max = -Double.MAX_VALUE;
            for (Row r : rows) {
                double v = r.get(name);
                if (!Double.isNaN(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            if (min == Double.MAX_VALUE) {
                continue;
            }
            System.out.printf("%-34s %12.1f %12.1f %12.1f %12.1f %14.1f%n", name, first, last, min, max, slope(rows, name, slopeFrom));
        }
        // Per stored user: what Redis holds should grow with the users, not faster.
        Row first = rows.stream().filter(r -> r.seconds() >= slopeFrom && r.get("keys.users") > 0).findFirst().orElse(rows.getFirst());
        Row last = rows.getLast();
        System.out.printf("Redis per stored user record: used_memory %.0f B (minute %.1f) -> %.0f B (end); keys %.2f -> %.2f; "
                        + "keys besides user records %.0f -> %.0f%n",
                first.get("redis.mem") * 1048576 / first.get("keys.users"), first.seconds() / 60,
                last.get("redis.mem") * 1048576 / last.get("keys.users"),
                first.get("redis.keys") / first.get("keys.users"), last.get("redis.keys") / last.get("keys.users"),
                first.get("redis.keys") - first.get("keys.users"), last.get("redis.keys") - last.get("keys.users"));
    }

    private static double mean(List<Row> rows, String name, double from, double to) {
        double sum = 0;
        int n = 0;
        for (Row r : rows) {
            double v = r.get(name);
            if (r.seconds() >= from && r.seconds() < to && !Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private static double slope(List<Row> rows, String name, double from) {
        double n = 0;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (Row r : rows) {
            double v = r.get(name);
            if (r.seconds() >= from && !Double.isNaN(v)) {
                double x = r.seconds() / 3600;
                n++;
                sx += x;
                sy += v;
                sxx += x * x;
                sxy += x * v;
            }
        }
        double d = n * sxx - sx * sx;
        return n < 3 || d == 0 ? Double.NaN : (n * sxy - sx * sy) / d;
    }

    /** One Markdown row per 5 minutes (or a sixth of a shorter run): means and maxima over the block, levels at its end. */
    private static void blocks(List<Row> rows, SoakOptions options) {
        double end = rows.getLast().seconds();
        double block = Math.min(300, Math.max(options.sampleSeconds(), end / 6));
        System.out.println();
        System.out.println("| minute | events/s | users seen | RSS MB ingest / segment / trigger / api | heap after GC MB i / s / t / a "
                + "| max lag segment / trigger | Redis keys | Redis MB | max pending changes | wakes (of browsers) | short-window members 5m / 1m / 2m | trigger due | load |");
        System.out.println("| ---: | ---: | ---: | --- | --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |");
        for (double to = block; to <= end + 1; to += block) {
            double from = to - block;
            Row at = null;
            for (Row r : rows) {
                if (r.seconds() <= to + 1) {
                    at = r;
                }
            }
            if (at == null) {
                continue;
            }
            Row gcRow = at;
            for (Row r : rows) {
                if (r.seconds() > from + 1 && r.seconds() <= to + 1 && !Double.isNaN(r.get("gcheap.segment"))) {
                    gcRow = r;
                }
            }
            System.out.printf("| %.0f | %.0f | %,.0f | %s | %s | %,.0f / %,.0f | %,.0f | %.1f | %,.0f | %,.0f (%,.0f) | %.0f / %.0f / %.0f | %,.0f | %.1f |%n",
                    to / 60, mean(rows, "ev/s", from + 1, to + 1), at.get("users"), joined(at, "rss.", "%.0f"), joined(gcRow, "gcheap.", "%.0f"),
                    max(rows, "lag.segment-function", from + 1, to + 1), max(rows, "lag.trigger-function", from + 1, to + 1),
                    at.get("redis.keys"), at.get("redis.mem"), max(rows, "redis.pending", from + 1, to + 1), at.get("redis.wakes"), at.get("redis.wakes.browsers"),
                    at.get("members.soak-page-5m"), at.get("members.soak-page-1m"), at.get("members.soak-view-2m"), at.get("trg.due"),
                    at.get("load1"));
        }
    }

    private static String joined(Row r, String prefix, String format) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < SoakOptions.FUNCTIONS.size(); i++) {
            double v = r.get(prefix + SoakOptions.FUNCTIONS.get(i));
            s.append(i == 0 ? "" : " / ").append(Double.isNaN(v) ? "–" : String.format(format, v));
        }
        return s.toString();
    }

    private static double max(List<Row> rows, String name, double from, double to) {
        double max = Double.NaN;
        for (Row r : rows) {
            double v = r.get(name);
            if (r.seconds() >= from && r.seconds() < to && !Double.isNaN(v)) {
                max = Double.isNaN(max) ? v : Math.max(max, v);
            }
        }
        return max;
    }

    private static String machine() {
        try {
            String cpus = Integer.toString(Runtime.getRuntime().availableProcessors());
            String mem = Files.readAllLines(Path.of("/proc/meminfo")).getFirst().replaceAll("[^0-9]", "");
            String load = Files.readString(Path.of("/proc/loadavg")).trim();
            return String.format("%s CPUs, %.0f GiB, JDK %s, load average %s", cpus, Long.parseLong(mem) / 1048576.0,
                    System.getProperty("java.version"), load);
        } catch (IOException e) {
            return "machine unknown";
        }
    }
}
