package io.segflow.bench.soak;

import io.segflow.bench.engine.Resp;
import io.segflow.bench.pipeline.ProcessCpu;
import io.segflow.core.Topics;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.trigger.TriggerKeys;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * One sample of the whole stack, from the outside: per function its RSS ({@code /proc/<pid>/status}), CPU since the
 * last sample ({@code /proc/<pid>/stat}), heap in use, live threads and open files (its Micrometer {@code /q/metrics}),
 * and on request the heap after a full GC ({@code jcmd GC.run}, then {@code GC.heap_info}); the consumer groups' lag
 * (committed offsets against end offsets, Kafka admin API); Redis' keys, memory, the pending change lists, the wake
 * schedules, the user registries, the trigger schedules, the member indexes, and a count of keys by kind (SCAN).
 * Values are doubles by series name; NaN when a source did not answer (a function being restarted).
 */
final class Sampler implements AutoCloseable {
    /** Consumer groups and the topic each reads. */
    static final Map<String, String> GROUPS = Map.of(
            "segment-function", Topics.EVENTS,
            "trigger-function", Topics.SEGMENT_CHANGES,
            "trigger-function-events", Topics.EVENTS);
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    private final SoakOptions options;
    private final Admin admin;
    private final Resp redis;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final List<String> segmentIds;
    private final Map<String, long[]> lastCpu = new HashMap<>(); // function -> {pid, ticks, nanos}
    private int partitions;
    private String browserPattern;

    Sampler(SoakOptions options, List<String> segmentIds) throws IOException {
        this.options = options;
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrap());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        this.admin = Admin.create(props);
        this.redis = new Resp(options.redis());
        this.segmentIds = segmentIds;
    }

    /** Counts the wakes of the browsers of run {@code run} apart (their windows are all short). */
    void browsers(String run) {
        this.browserPattern = "soak-" + run + "-b*";
    }

    Admin admin() {
        return admin;
    }

    // ------------------------------------------------------------------ processes

    long pid(String function) {
        try {
            return Long.parseLong(Files.readString(options.home().resolve("pids/" + function + ".pid")).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    static boolean alive(long pid) {
        return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static double rssMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return Double.NaN;
    }

    private static long cpuMicros(long pid) {
        try {
            return new ProcessCpu(pid).micros();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Percent of one core since the previous sample of the same process. */
    private double cpuPercent(String function, long pid) {
        long micros = cpuMicros(pid);
        long now = System.nanoTime();
        long[] last = lastCpu.put(function, new long[] {pid, micros, now});
        if (micros < 0 || last == null || last[0] != pid || last[1] < 0) {
            return Double.NaN;
        }
        return (micros - last[1]) / 1e6 / ((now - last[2]) / 1e9) * 100;
    }

    /** The function's Micrometer metrics, by name (labels summed per name where asked). */
    private Map<String, Double> metrics(String function) {
        Map<String, Double> values = new HashMap<>();
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(options.functionUrl(function) + "/q/metrics"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return values;
            }
            for (String line : response.body().split("\n")) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String name = line.substring(0, line.indexOf(line.contains("{") ? '{' : ' '));
                double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                if (name.equals("jvm_memory_used_bytes") && line.contains("area=\"heap\"")) {
                    values.merge("heap", value, Double::sum);
                } else if (name.equals("jvm_memory_used_bytes") && line.contains("area=\"nonheap\"")) {
                    values.merge("nonheap", value, Double::sum);
                } else if (name.equals("jvm_threads_live_threads") || name.equals("process_files_open_files")
                        || name.equals("segflow_engine_cached_users") || name.equals("jvm_gc_live_data_size_bytes")) {
                    values.merge(name, value, Double::sum);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // down or restarting
        }
        return values;
    }

    /** Heap in use right after a full collection (MB), by {@code jcmd}; NaN if it could not attach. */
    static double heapAfterGc(long pid) {
        if (!alive(pid)) {
            return Double.NaN;
        }
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        try {
            run(jcmd, Long.toString(pid), "GC.run");
            Matcher used = HEAP_USED.matcher(run(jcmd, Long.toString(pid), "GC.heap_info"));
            return used.find() ? Long.parseLong(used.group(1)) / 1024.0 : Double.NaN;
        } catch (IOException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return out;
    }

    // ------------------------------------------------------------------ Kafka

    /** Sum over the group's partitions of end offset minus committed offset; NaN without committed offsets. */
    double lag(String group) {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            committed.forEach((partition, offset) -> {
                if (offset != null && partition.topic().equals(GROUPS.get(group))) {
                    latest.put(partition, OffsetSpec.latest());
                }
            });
            if (latest.isEmpty()) {
                return Double.NaN;
            }
            var ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
            long lag = 0;
            for (TopicPartition partition : latest.keySet()) {
                lag += Math.max(0, ends.get(partition).offset() - committed.get(partition).offset());
            }
            return lag;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return Double.NaN;
        }
    }

    /** Records in a topic so far (sum of end offsets; transaction markers included). */
    double endOffsets(String topic) {
        try {
            var description = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            description.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            long sum = 0;
            for (var info : admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).values()) {
                sum += info.offset();
            }
            return sum;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return Double.NaN; // not created yet
        }
    }

    double consumerGroups() {
        try {
            return admin.listGroups().all().get(10, TimeUnit.SECONDS).size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return Double.NaN;
        }
    }

    // ------------------------------------------------------------------ Redis

    private long number(Object reply) {
        return reply == null ? 0 : reply instanceof Long l ? l : Long.parseLong(reply.toString());
    }

    private void redis(Map<String, Double> s) throws IOException {
        if (partitions == 0) {
            partitions = (int) number(redis.call("GET", RedisKeys.EVENT_PARTITIONS));
        }
        s.put("redis.keys", (double) number(redis.call("DBSIZE")));
        String memory = (String) redis.call("INFO", "memory");
        for (String line : memory.split("\r\n")) {
            if (line.startsWith("used_memory:")) {
                s.put("redis.mem", Long.parseLong(line.substring("used_memory:".length())) / 1048576.0);
            }
        }
        long pending = 0;
        long wakes = 0;
        long registry = 0;
        for (int p = 0; p < partitions; p++) {
            pending += number(redis.call("LLEN", RedisKeys.changes(p)));
            wakes += number(redis.call("ZCARD", RedisKeys.schedule(p)));
            registry += number(redis.call("SCARD", RedisKeys.users(p)));
        }
        if (browserPattern != null) {
            long browserWakes = 0;
            for (int p = 0; p < partitions; p++) {
                String cursor = "0";
                do {
                    @SuppressWarnings("unchecked")
                    List<Object> reply = (List<Object>) redis.call("ZSCAN", RedisKeys.schedule(p), cursor, "MATCH", browserPattern, "COUNT", "2000");
                    cursor = (String) reply.get(0);
                    browserWakes += ((List<?>) reply.get(1)).size() / 2;
                } while (!cursor.equals("0"));
            }
            s.put("redis.wakes.browsers", (double) browserWakes);
        }
        s.put("redis.pending", (double) pending);
        s.put("redis.wakes", (double) wakes);
        s.put("redis.registry", (double) registry);
        // trigger-function's schedules: one shard per partition of segflow.segment-changes (tc) and segflow.events (te)
        long due = 0;
        long jobs = 0;
        for (int p = 0; p < partitions; p++) {
            for (String shard : List.of(TriggerKeys.changesShard(p), TriggerKeys.eventsShard(p))) {
                due += number(redis.call("ZCARD", TriggerKeys.due(shard)));
                jobs += number(redis.call("HLEN", TriggerKeys.jobs(shard)));
            }
        }
        s.put("trg.due", (double) due);
        s.put("trg.jobs", (double) jobs);
        long members = 0;
        for (String id : segmentIds) {
            long n = 0;
            for (int p = 0; p < partitions; p++) {
                n += number(redis.call("ZCARD", RedisKeys.segmentMembers(p, id)));
            }
            members += n;
            if (id.startsWith("soak-")) {
                s.put("members." + id, (double) n);
            }
        }
        s.put("members.all", (double) members);
        // keys by kind
        long users = 0;
        long memberSets = 0;
        long fired = 0;
        long side = 0;
        long pendingFirings = 0;
        long other = 0;
        String cursor = "0";
        do {
            @SuppressWarnings("unchecked")
            List<Object> reply = (List<Object>) redis.call("SCAN", cursor, "COUNT", "5000");
            cursor = (String) reply.get(0);
            @SuppressWarnings("unchecked")
            List<Object> keys = (List<Object>) reply.get(1);
            for (Object o : keys) {
                String key = (String) o;
                if (key.startsWith("sf:{p") && key.contains("}:u:")) {
                    users++;
                } else if (key.startsWith("sf:{p") && key.contains("}:m:")) {
                    memberSets++;
                } else if (key.contains("}:fired:")) {
                    fired++;
                } else if (key.contains("}:side:")) {
                    side++;
                } else if (key.contains("}:pending:")) {
                    pendingFirings++;
                } else {
                    other++;
                }
            }
        } while (!cursor.equals("0"));
        s.put("keys.users", (double) users);
        s.put("keys.fired", (double) fired);
        s.put("keys.side+pending", (double) (side + pendingFirings));
        s.put("keys.other", (double) (other + memberSets));
    }

    // ------------------------------------------------------------------ one sample

    Map<String, Double> take(boolean fullGc) {
        Map<String, Double> s = new LinkedHashMap<>();
        for (String function : SoakOptions.FUNCTIONS) {
            long pid = pid(function);
            boolean up = alive(pid);
            s.put("rss." + function, up ? rssMb(pid) : Double.NaN);
            s.put("cpu." + function, up ? cpuPercent(function, pid) : Double.NaN);
            Map<String, Double> m = metrics(function);
            s.put("heap." + function, m.getOrDefault("heap", Double.NaN) / 1048576.0);
            s.put("nonheap." + function, m.getOrDefault("nonheap", Double.NaN) / 1048576.0);
            s.put("threads." + function, m.getOrDefault("jvm_threads_live_threads", Double.NaN));
            s.put("files." + function, m.getOrDefault("process_files_open_files", Double.NaN));
            if (function.equals("segment")) {
                s.put("cached.users", m.getOrDefault("segflow_engine_cached_users", Double.NaN));
            }
            s.put("gcheap." + function, fullGc ? heapAfterGc(pid) : Double.NaN);
        }
        for (String server : List.of("kafka", "redis")) {
            long pid = pid(server);
            s.put("rss." + server, alive(pid) ? rssMb(pid) : Double.NaN);
        }
        for (String group : List.of("segment-function", "trigger-function", "trigger-function-events")) {
            s.put("lag." + group, lag(group));
        }
        s.put("kafka.events", endOffsets(Topics.EVENTS));
        s.put("kafka.rejected", endOffsets(Topics.EVENTS_REJECTED));
        s.put("kafka.changes", endOffsets(Topics.SEGMENT_CHANGES));
        s.put("kafka.triggers", endOffsets(Topics.TRIGGERS));
        s.put("kafka.groups", consumerGroups());
        try {
            redis(s);
        } catch (IOException e) {
            System.out.println("# redis sample failed: " + e);
        }
        try {
            s.put("load1", Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]));
        } catch (IOException e) {
            s.put("load1", Double.NaN);
        }
        return s;
    }

    /** The names of all series a sample has, for the CSV header. */
    static List<String> names(Map<String, Double> sample) {
        return new ArrayList<>(sample.keySet());
    }

    @Override
    public void close() throws IOException {
        admin.close(Duration.ofSeconds(5));
        redis.close();
        http.shutdownNow();
    }
}
