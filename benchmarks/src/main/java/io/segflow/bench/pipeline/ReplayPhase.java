package io.segflow.bench.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.bench.engine.Resp;
import io.segflow.bench.engine.SegmentCatalog;
import io.segflow.core.Topics;
import io.segflow.core.event.Event;
import io.segflow.core.json.Json;
import io.segflow.core.redis.RedisKeys;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The history replay of a new property aggregate ({@code docs/engine.md}, "History replay for new property
 * aggregates"), on the running segment-function:
 * <ol>
 *   <li>A backlog of {@code --events} shop events of {@code --users} users ({@link ShopTraffic}'s mix) whose event times
 *   are spread evenly over the last 20 days, taken live by segment-function under the typical catalog, which reads no
 *   {@value #PROPERTY} of {@code cart_0}: profiles do not keep it. While writing, the tool sums each user's
 *   {@value #PROPERTY} of {@code cart_0} (all in the last 30 days): the brute-force answer.</li>
 *   <li>The segment {@value #SEGMENT}, {@code sum("cart_0", "quantity", "30d") >= T} with T the median of those sums,
 *   is saved as the api-function saves one (definition and revision bump in one MULTI). Each partition's owner then
 *   replays {@code segflow.events} from the window's start to where live processing started keeping the property.</li>
 *   <li>From the save: the time until every partition's {@code history} has no replay (the replay), then until every
 *   {@code backfill} is {@code "<revision> done"}; events added to profiles ({@code segflow_history_replayed_events_total} on
 *   {@code --metrics-url}, and the records the replays covered, {@code to - from}); segment-function's CPU and Redis'
 *   {@code INFO commandstats} per record read.</li>
 *   <li>{@code kafka-consumer-perf-test} ({@code org.apache.kafka.tools.ConsumerPerformance}, the Kafka jars in
 *   {@code --kafka-libs}) over {@code segflow.events} for as many records as the replays read: the raw read rate of
 *   the same broker, and the ratio.</li>
 *   <li>The segment's member index ({@code sf:{pN}:m:bench-replay} of every partition) against the brute-force count, per user.</li>
 * </ol>
 * A segment {@value #SEGMENT} left by an earlier run is removed first (and the tool waits until every partition adopted
 * that catalog), so that the property is new to the profiles again.
 */
final class ReplayPhase {
    static final String SEGMENT = "bench-replay";
    private static final String EVENT = SegmentCatalog.cart(0);
    private static final String PROPERTY = "quantity";
    private static final Duration SPREAD = Duration.ofDays(20);
    private static final long POLL_MILLIS = 50;
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(30);
    private static final Duration REPLAY_TIMEOUT = Duration.ofMinutes(30);
    private static final String METRIC = "segflow_history_replayed_events_total";

    private final EngineOptions options;
    private final Resp redis;
    private final GroupProgress progress;
    private final Summary summary;
    private final String run;
    private final SegmentMetrics segmentMetrics;

    ReplayPhase(EngineOptions options, Resp redis, GroupProgress progress, Summary summary, String run) {
        this.options = options;
        this.redis = redis;
        this.progress = progress;
        this.summary = summary;
        this.run = run;
        this.segmentMetrics = new SegmentMetrics(options.metricsUrl());
    }

    /** One partition's replay of the measured revision, as last seen in its {@code history}. */
    private static final class Seen {
        long from;
        long to;
        long next;
        long firstSeenNanos;
    }

    void run() throws Exception {
        if (progress.members() == 0) {
            throw new IllegalStateException("group " + EngineLoad.GROUP + " has no consumer: start segment-function first");
        }
        ProcessCpu cpu = ProcessCpu.segmentFunction(options);
        retireEarlier();
        System.out.printf("load average before the backlog: %s%n", loadAverage());

        // ------------------------------------------------------------ 1. backlog, with the brute-force sums
        int users = options.users();
        long[] sums = new long[users];
        int[] carts = new int[users];
        ShopTraffic traffic = new ShopTraffic(run, users);
        String prefix = traffic.user(0).substring(0, traffic.user(0).length() - 1);
        long start = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        long spread = SPREAD.toMillis();
        int averageBytes;
        try (EventProducer producer = new EventProducer(options.bootstrap(), 10)) {
            for (int i = 0; i < options.events(); i++) {
                // Event times in order over the last 20 days (a user's events keep their order too).
                Event event = at(traffic.next(), Instant.ofEpochMilli(nowMillis - spread + spread * i / options.events()));
                if (EVENT.equals(event.event())) {
                    int user = Integer.parseInt(event.userId().substring(prefix.length()));
                    sums[user] += ((Number) event.properties().get(PROPERTY)).longValue();
                    carts[user]++;
                }
                producer.send(event);
            }
            producer.flush();
            averageBytes = producer.averageBytes();
            System.out.printf("produced %,d events for %,d users (event times over the last %d days, %,d bytes per record) in %.1f s%n",
                    options.events(), users, SPREAD.toDays(), averageBytes, (System.nanoTime() - start) / 1e9);
        }
        GroupProgress.Snapshot drained = awaitLagZero();
        System.out.printf("segment-function took them live: lag 0 %.1f s after the first was written%n", (drained.nanos() - start) / 1e9);
        int partitions = progress.partitions();
        awaitQuiet(partitions, currentRevision(), Duration.ofSeconds(120));

        long[] sorted = sums.clone();
        Arrays.sort(sorted);
        long threshold = Math.max(1, sorted[users / 2]);
        Set<String> expected = new HashSet<>();
        for (int u = 0; u < users; u++) {
            if (sums[u] >= threshold) {
                expected.add(traffic.user(u));
            }
        }
        String condition = String.format("sum(\"%s\", \"%s\", \"30d\") >= %d", EVENT, PROPERTY, threshold);
        System.out.printf("brute force: %,d %s events, %s sums per user from %d to %d (median %d); %,d of %,d users have >= %d%n",
                Arrays.stream(carts).sum(), EVENT, PROPERTY, sorted[0], sorted[users - 1], sorted[users / 2], expected.size(), users, threshold);

        // ------------------------------------------------------------ 2. the new segment
        String loadBefore = loadAverage();
        Map<String, Double> metricsBefore = segmentMetrics.read();
        double metricBefore = metricsBefore.getOrDefault(METRIC, Double.NaN);
        long cpuBefore = cpu != null ? cpu.micros() : -1;
        RedisStats redisBefore = RedisStats.take(redis);
        long saved = System.nanoTime();
        long revision = save(condition);
        System.out.printf("%nsaved %s (%s) at catalog revision %d; load average %s%n", SEGMENT, condition, revision, loadBefore);

        // ------------------------------------------------------------ 3. the replay, then the backfill
        Map<Integer, Seen> seen = new TreeMap<>();
        long replayEnd = 0;
        long backfillEnd = 0;
        double metricAtReplayEnd = Double.NaN;
        Map<String, Double> metricsAtReplayEnd = Map.of();
        long cpuAtReplayEnd = -1;
        RedisStats redisAtReplayEnd = null;
        long nextNotice = System.nanoTime() + 5_000_000_000L;
        long deadline = System.nanoTime() + REPLAY_TIMEOUT.toNanos();
        while (backfillEnd == 0) {
            boolean replaysDone = true;
            boolean backfillsDone = true;
            for (int p = 0; p < partitions; p++) {
                String historyJson = (String) redis.call("HGET", RedisKeys.partitionState(p), RedisKeys.HISTORY_FIELD);
                JsonNode history = historyJson == null ? null : Json.read(historyJson, JsonNode.class);
                if (history == null || history.path("revision").asLong() < revision) {
                    replaysDone = false; // this partition has not adopted the new catalog yet
                } else {
                    for (JsonNode replay : history.path("replays")) {
                        replaysDone = false;
                        if (replay.path("revision").asLong() == revision) {
                            Seen s = seen.computeIfAbsent(p, k -> new Seen());
                            if (s.firstSeenNanos == 0) {
                                s.firstSeenNanos = System.nanoTime();
                            }
                            s.from = replay.path("from").asLong();
                            s.to = replay.path("to").asLong();
                            s.next = replay.path("next").asLong();
                        }
                    }
                }
                String backfill = (String) redis.call("HGET", RedisKeys.partitionState(p), RedisKeys.BACKFILL_FIELD);
                backfillsDone &= (revision + " done").equals(backfill);
            }
            long now = System.nanoTime();
            if (replaysDone && replayEnd == 0) {
                replayEnd = now;
                metricsAtReplayEnd = segmentMetrics.read();
                metricAtReplayEnd = metricsAtReplayEnd.getOrDefault(METRIC, Double.NaN);
                cpuAtReplayEnd = cpu != null && cpu.alive() ? cpu.micros() : -1;
                redisAtReplayEnd = RedisStats.take(redis);
                seen.values().forEach(s -> s.next = s.to);
                System.out.printf("replay done %.2f s after the save%n", (replayEnd - saved) / 1e9);
            }
            if (replaysDone && backfillsDone) {
                backfillEnd = now;
                break;
            }
            if (now > nextNotice) {
                long covered = seen.values().stream().mapToLong(s -> s.to - s.from).sum();
                long done = seen.values().stream().mapToLong(s -> s.next - s.from).sum();
                System.out.printf("  %.0f s: %s; replays seen in %d partitions, %,d of %,d records read; %s replayed%n",
                        (now - saved) / 1e9, replayEnd == 0 ? "replaying" : "backfilling", seen.size(), done, covered,
                        String.format("%,.0f", replayedMetric() - metricBefore));
                nextNotice = now + 5_000_000_000L;
            }
            if (now > deadline) {
                throw new IllegalStateException("the replay and backfill of revision " + revision + " did not end within " + REPLAY_TIMEOUT);
            }
            Thread.sleep(POLL_MILLIS);
        }
        double metricAfter = replayedMetric();
        long cpuAfter = cpu != null && cpu.alive() ? cpu.micros() : -1;
        RedisStats redisAfter = RedisStats.take(redis);
        String loadAfter = loadAverage();

        long records = seen.values().stream().mapToLong(s -> s.to - s.from).sum();
        long replayed = Double.isNaN(metricAtReplayEnd) || Double.isNaN(metricBefore) ? records : Math.round(metricAtReplayEnd - metricBefore);
        double replaySeconds = (replayEnd - saved) / 1e9;
        long firstSeen = seen.values().stream().mapToLong(s -> s.firstSeenNanos).min().orElse(saved);
        double backfillSeconds = (backfillEnd - replayEnd) / 1e9;
        // The replay reads every record of its ranges and adds to profiles only the events carrying the property.
        long read = records > 0 ? records : replayed;
        double rate = read / replaySeconds;
        System.out.printf("%nreplays (partition: offsets [from, to)):%n");
        seen.forEach((p, s) -> System.out.printf("  %d: [%,d, %,d) %,d records, seen %.2f s after the save%n", p, s.from, s.to,
                s.to - s.from, (s.firstSeenNanos - saved) / 1e9));
        System.out.printf("replay: %,d records read in the replayed ranges, %,d events added to profiles (%s) in %.2f s from "
                        + "the save (first replay seen in history %.2f s after the save): %,.0f records/s; then the backfill %.2f s; "
                        + "load average %s -> %s%n",
                read, replayed, Double.isNaN(metricBefore) ? "no metric at " + segmentMetrics.url() : METRIC + " delta",
                replaySeconds, (firstSeen - saved) / 1e9, rate, backfillSeconds, loadBefore, loadAfter);
        summary.add("replay", "backlog", "%,d events, %,d users, %,d bytes per record, event times over %d days",
                options.events(), users, averageBytes, SPREAD.toDays());
        summary.add("replay", "segment", "%s", condition);
        summary.add("replay", "records read / events added", "%,d records in the replayed ranges of %d partitions / %,d events with the property",
                read, seen.size(), replayed);
        summary.add("replay", "replay time (save -> no replay left)", "%.2f s", replaySeconds);
        summary.add("replay", "replay rate", "%,.0f records/s read (%,.0f from the first replay seen in history)", rate,
                read / ((replayEnd - firstSeen) / 1e9));
        summary.add("replay", "backfill time (after the last replay)", "%.2f s", backfillSeconds);
        if (cpuBefore >= 0 && cpuAtReplayEnd >= 0) {
            double perRecord = (cpuAtReplayEnd - cpuBefore) / (double) read;
            double perEvent = (cpuAtReplayEnd - cpuBefore) / (double) replayed;
            System.out.printf("segment-function CPU: %,.0f ms over the replay, %.1f µs per record read, %.1f µs per event added; "
                            + "%,.0f ms over the backfill%n", (cpuAtReplayEnd - cpuBefore) / 1000.0, perRecord, perEvent,
                    cpuAfter >= 0 ? (cpuAfter - cpuAtReplayEnd) / 1000.0 : Double.NaN);
            summary.add("replay", "segment-function CPU", "%.1f µs per record read, %.1f µs per event added", perRecord, perEvent);
        }
        reportRounds(metricsBefore, metricsAtReplayEnd, read, summary);
        reportRedis(redisBefore, redisAtReplayEnd, read, "replay");
        // The backfill of a partition starts when its own replay ends: most of it ran during the others' replays.
        reportRedis(redisBefore, redisAfter, read, "replay and backfill");

        // ------------------------------------------------------------ 4. the raw consumer
        compareWithConsumerPerfTest(rate, read);

        // ------------------------------------------------------------ 5. correctness
        check(expected, threshold, partitions);
        summary.add("replay", "load average", "%s before the save, %s after the backfill", loadBefore, loadAfter);
    }

    // ---------------------------------------------------------------- the segment

    /** Saves {@code condition} as the api-function does: the definition and the revision bump in one MULTI. */
    private long save(String condition) throws IOException {
        redis.call("MULTI");
        redis.call("HSET", RedisKeys.SEGMENTS, SEGMENT, definition(condition));
        redis.call("INCR", RedisKeys.SEGMENTS_REVISION);
        @SuppressWarnings("unchecked")
        List<Object> results = (List<Object>) redis.call("EXEC");
        return (Long) results.getLast();
    }

    /** An earlier run's segment goes first: with it, profiles would keep the property already and nothing would replay. */
    private void retireEarlier() throws Exception {
        if (redis.call("HGET", RedisKeys.SEGMENTS, SEGMENT) == null) {
            return;
        }
        redis.call("MULTI");
        redis.call("HDEL", RedisKeys.SEGMENTS, SEGMENT);
        redis.call("INCR", RedisKeys.SEGMENTS_REVISION);
        @SuppressWarnings("unchecked")
        List<Object> results = (List<Object>) redis.call("EXEC");
        long revision = (Long) results.getLast();
        System.out.printf("removed %s of an earlier run (catalog revision %d); waiting for every partition to adopt it%n", SEGMENT, revision);
        awaitQuiet(progress.partitions(), revision, Duration.ofMinutes(5));
    }

    private static String definition(String condition) {
        Map<String, Object> definition = new LinkedHashMap<>();
        definition.put("id", SEGMENT);
        definition.put("name", "Bench: replayed property aggregate");
        definition.put("condition", condition);
        definition.put("enabled", true);
        definition.put("updatedAt", Instant.now().toString());
        return Json.write(definition);
    }

    private long currentRevision() throws IOException {
        Object stored = redis.call("GET", RedisKeys.SEGMENTS_REVISION);
        return stored == null ? 0 : Long.parseLong(String.valueOf(stored));
    }

    /** Until every partition adopted {@code revision}, has no replay and finished its backfill (or {@code limit}). */
    private void awaitQuiet(int partitions, long revision, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            List<Integer> busy = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                String historyJson = (String) redis.call("HGET", RedisKeys.partitionState(p), RedisKeys.HISTORY_FIELD);
                JsonNode history = historyJson == null ? null : Json.read(historyJson, JsonNode.class);
                String backfill = (String) redis.call("HGET", RedisKeys.partitionState(p), RedisKeys.BACKFILL_FIELD);
                boolean adopted = history != null && history.path("revision").asLong() >= revision && history.path("replays").isEmpty();
                if (!adopted || !(revision + " done").equals(backfill)) {
                    busy.add(p);
                }
            }
            if (busy.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                System.out.printf("warning: partitions %s have not finished catalog revision %d after %s; going on%n", busy, revision, limit);
                return;
            }
            Thread.sleep(200);
        }
    }

    // ---------------------------------------------------------------- backlog

    /** The event as if it happened at {@code at} (sent and received now: a late batch, as a replayed import). */
    private static Event at(Event e, Instant at) {
        return new Event(e.schema(), e.type(), e.messageId(), e.userId(), e.anonymousId(), e.event(), e.name(), e.groupId(),
                e.previousId(), e.traits(), e.properties(), e.context(), e.integrations(), at, at, e.sentAt(), e.receivedAt(), e.source());
    }

    private GroupProgress.Snapshot awaitLagZero() throws InterruptedException {
        long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
        GroupProgress.Snapshot last = progress.snapshot();
        GroupProgress.Snapshot printed = last;
        while (last.lag() > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("segment-function did not take the backlog within " + DRAIN_TIMEOUT);
            }
            Thread.sleep(POLL_MILLIS);
            last = progress.snapshot();
            if (last.nanos() - printed.nanos() >= 10_000_000_000L) {
                System.out.printf("  %,d events left, %,.0f events/s over the last %.0f s%n", last.lag(),
                        (last.committed() - printed.committed()) * 1e9 / (last.nanos() - printed.nanos()),
                        (last.nanos() - printed.nanos()) / 1e9);
                printed = last;
            }
        }
        return last;
    }

    // ---------------------------------------------------------------- measures

    /** The replay counter on segment-function's Prometheus endpoint, NaN when it cannot be read. */
    private double replayedMetric() {
        return segmentMetrics.read().getOrDefault(METRIC, Double.NaN);
    }

    /** Rounds segment-function ran between two readings of its metrics, their mean time, and each stage's. */
    private static void reportRounds(Map<String, Double> before, Map<String, Double> after, long replayed, Summary summary) {
        double rounds = after.getOrDefault("segflow_round_duration_seconds_count", 0.0) - before.getOrDefault("segflow_round_duration_seconds_count", 0.0);
        double seconds = after.getOrDefault("segflow_round_duration_seconds_sum", 0.0) - before.getOrDefault("segflow_round_duration_seconds_sum", 0.0);
        if (rounds <= 0) {
            return;
        }
        StringBuilder stages = new StringBuilder();
        for (String stage : List.of("poll", "apply", "flush", "publish")) {
            String key = "segflow_round_stage_seconds_sum{stage=\"" + stage + "\"}";
            double sum = after.getOrDefault(key, 0.0) - before.getOrDefault(key, 0.0);
            stages.append(String.format("%s%s %.1f ms", stages.isEmpty() ? "" : ", ", stage, sum * 1000 / rounds));
        }
        System.out.printf("rounds over the replay: %,.0f with a batch, %.1f ms each on average (stages per round: %s), %,.0f records read per round%n",
                rounds, seconds * 1000 / rounds, stages, replayed / rounds);
        summary.add("replay", "rounds over the replay", "%,.0f, %.1f ms each, %,.0f records each (%s)", rounds, seconds * 1000 / rounds,
                replayed / rounds, stages);
    }

    private void reportRedis(RedisStats before, RedisStats after, long units, String what) {
        List<RedisStats.Command> commands = after.since(before);
        List<RedisStats.Command> sent = commands.stream().filter(c -> !DrainPhase.RUN_IN_TRANSACTIONS.contains(c.name())).toList();
        long calls = sent.stream().mapToLong(RedisStats.Command::calls).sum();
        long usec = sent.stream().mapToLong(RedisStats.Command::usec).sum();
        double cpu = (after.cpuSeconds() - before.cpuSeconds()) * 1e6 / units;
        String unit = "record read";
        System.out.printf("Redis over the %s: %.3f calls and %.2f µs of command time per %s (EXEC and scripts with what they run, and "
                + "the commands sent directly); process CPU %.1f µs per %s (INFO cpu; this tool's polling included)%n",
                what, calls / (double) units, usec / (double) units, unit, cpu, unit);
        System.out.printf("  %-24s %12s %14s %12s%n", "command", "calls", "µs per event", "µs per call");
        for (RedisStats.Command command : commands) {
            System.out.printf("  %-24s %,12d %14.3f %12.2f%n", command.name(), command.calls(),
                    command.usec() / (double) units, command.usec() / (double) command.calls());
        }
        summary.add("replay", "Redis, " + what, "%.3f calls, %.2f µs command time, %.1f µs process CPU per %s",
                calls / (double) units, usec / (double) units, cpu, unit);
    }

    // ---------------------------------------------------------------- kafka-consumer-perf-test

    private record ConsumerPerf(long messages, double perSecond, double fetchPerSecond, String line) {
    }

    private void compareWithConsumerPerfTest(double rate, long messages) throws Exception {
        Path libs = Path.of(options.kafkaLibs());
        boolean present;
        try (var files = Files.list(libs)) {
            present = files.anyMatch(f -> f.getFileName().toString().matches("kafka-tools-\\d.*\\.jar"));
        } catch (IOException e) {
            present = false;
        }
        if (!present) {
            System.out.println("kafka-consumer-perf-test: no kafka-tools jar in --kafka-libs (infra/local/up fetches it); skipped");
            return;
        }
        consumerPerfTest(libs, Math.max(10_000, messages / 10)); // warm-up: the broker's page cache, as the producer tool does
        ConsumerPerf perf = consumerPerfTest(libs, messages);
        System.out.printf("kafka-consumer-perf-test on the same broker, %s from the start, %,d records: %,.0f records/s while "
                + "fetching (%,.0f records/s with the group join) [%s]%n", Topics.EVENTS, perf.messages(), perf.fetchPerSecond(),
                perf.perSecond(), perf.line());
        System.out.printf("ratio replay records/s : kafka-consumer-perf-test records/s = %.3f%n", rate / perf.fetchPerSecond());
        summary.add("replay", "kafka-consumer-perf-test", "%,.0f records/s fetching (%,.0f with the group join), %,d records",
                perf.fetchPerSecond(), perf.perSecond(), perf.messages());
        summary.add("replay", "ratio replay : consumer-perf-test", "%.3f", rate / perf.fetchPerSecond());
    }

    /**
     * One run of {@code org.apache.kafka.tools.ConsumerPerformance} as a separate JVM (a new group each time: from the
     * earliest offset). Its CSV line: start, end, MB, MB/s, records, records/s, rebalance ms, fetch ms, fetch MB/s,
     * fetch records/s.
     */
    private ConsumerPerf consumerPerfTest(Path libs, long messages) throws IOException, InterruptedException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", libs.toAbsolutePath() + "/*", "org.apache.kafka.tools.ConsumerPerformance",
                "--bootstrap-server", options.bootstrap(), "--topic", Topics.EVENTS, "--messages", Long.toString(messages),
                "--group", "bench-consumer-perf-" + run + "-" + System.nanoTime(), "--timeout", "30000");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String result = null;
        List<String> output = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                output.add(line);
                if (line.split(",").length == 10 && !line.startsWith("start.time")) {
                    result = line.trim();
                }
            }
        }
        if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0 || result == null) {
            throw new IOException("kafka-consumer-perf-test failed: " + command + "\n" + String.join("\n", output));
        }
        String[] fields = result.split(",\\s*");
        return new ConsumerPerf(Long.parseLong(fields[4]), Double.parseDouble(fields[5]), Double.parseDouble(fields[9]), result);
    }

    // ---------------------------------------------------------------- correctness

    private void check(Set<String> expected, long threshold, int partitions) throws Exception {
        String key = RedisKeys.segmentMembers(0, SEGMENT).replace("{p0}", "{p*}");
        String prefix = "shop-" + run + "-";
        Set<String> members = Set.of();
        // The backfill may still be finishing in some partitions; give it a moment to settle.
        for (int attempt = 0; attempt < 50; attempt++) {
            Set<String> now = new HashSet<>();
            for (int p = 0; p < partitions; p++) {
                @SuppressWarnings("unchecked")
                List<Object> all = (List<Object>) redis.call("ZRANGE", RedisKeys.segmentMembers(p, SEGMENT), "0", "-1");
                for (Object member : all) {
                    String user = String.valueOf(member);
                    if (user.startsWith(prefix)) {
                        now.add(user);
                    }
                }
            }
            boolean stable = now.equals(members);
            members = now;
            if (members.equals(expected) || (stable && attempt > 5)) {
                break;
            }
            Thread.sleep(200);
        }
        Set<String> missing = new HashSet<>(expected);
        missing.removeAll(members);
        Set<String> unexpected = new HashSet<>(members);
        unexpected.removeAll(expected);
        System.out.printf("%nusers of this run in %s (%s): %,d; brute force over the events written (sum >= %d): %,d; "
                + "missing %,d%s, unexpected %,d%s%n", SEGMENT, key, members.size(), threshold, expected.size(),
                missing.size(), sample(missing), unexpected.size(), sample(unexpected));
        summary.add("replay", "users in the segment vs brute force", "%,d vs %,d (missing %,d, unexpected %,d)%s",
                members.size(), expected.size(), missing.size(), unexpected.size(),
                missing.isEmpty() && unexpected.isEmpty() ? "" : " MISMATCH");
    }

    private static String sample(Set<String> users) {
        return users.isEmpty() ? "" : " e.g. " + users.stream().sorted().limit(5).toList();
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
