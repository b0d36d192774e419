package io.segflow.bench.timeflips;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.bench.engine.Resp;
import io.segflow.core.Topics;
import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import io.segflow.core.json.Json;
import io.segflow.core.redis.RedisKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * How late do time-driven exits come? Defines {@code count("<e>", "<window>") >= 1}, sends one event for each
 * of N users straight to {@code segflow.events}, then waits for every user's time-caused {@code exited} record
 * and compares its {@code at} (and its arrival here) with the exact moment the event left the window (the end
 * of its 1-second bucket plus the window).
 *
 * <p>By default every event is stamped "now", so the exits come as fast as the events went through. With
 * {@code rate=R} the events are stamped in the past so that their exits fall due at R users per second, starting
 * {@code lead} after the send (which must outlast the send and the entries): the sustained rate of time flips one
 * instance (or several sharing the schedule) keeps within a lateness bound.
 *
 * <p>With {@code background=N} the wake schedule first gets N more users, due hours later (users whose windows
 * run, as in a production schedule with millions of users): the poll cost must not grow with them. They are
 * removed at the end. Every exit is counted per user: a time flip published twice would show as a duplicate.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.segflow.bench.timeflips.TimeFlipLoad \
 *   [users=20000] [window=10s] [rate=R lead=90s] [background=N redis=redis://127.0.0.1:6379]
 *   [api=http://127.0.0.1:8080] [kafka=127.0.0.1:9092] [adminKey=dev-admin-key]</pre>
 */
public final class TimeFlipLoad {

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>(Map.of("users", "20000", "window", "10s", "api", "http://127.0.0.1:8080",
                "kafka", "127.0.0.1:9092", "adminKey", "dev-admin-key"));
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            options.put(kv[0], kv[1]);
        }
        int users = Integer.parseInt(options.get("users"));
        long windowMillis = io.segflow.core.profile.Window.parseLength(options.get("window"));
        String run = UUID.randomUUID().toString().substring(0, 8);
        String eventName = "tick_" + run;
        String segment = "tf-" + run;
        double rate = Double.parseDouble(options.getOrDefault("rate", "0"));
        long window = io.segflow.core.profile.Window.parseLength(options.get("window"));
        if (rate > 0 && (window < 60_000 || window > 900_000)) {
            // Stamped up to a window ago, yet counted in 1-second buckets (windows up to 15 minutes).
            throw new IllegalArgumentException("rate=R needs a window between 1m and 15m");
        }

        int background = Integer.parseInt(options.getOrDefault("background", "0"));
        if (background > 0) {
            scheduleBackground(options.getOrDefault("redis", "redis://127.0.0.1:6379"), "tf-bg-" + run + "-", background, true);
        }
        long firstDue = System.currentTimeMillis() + io.segflow.core.profile.Window.parseLength(options.getOrDefault("lead", "90s"));
        defineSegment(options.get("api"), options.get("adminKey"), segment,
                "count(\"" + eventName + "\", \"" + options.get("window") + "\") >= 1");

        try (KafkaConsumer<String, String> changes = consumer(options.get("kafka"));
             KafkaProducer<String, String> events = producer(options.get("kafka"))) {
            changes.subscribe(java.util.List.of(Topics.SEGMENT_CHANGES));
            while (changes.assignment().isEmpty()) {
                changes.poll(Duration.ofMillis(100));
            }
            // "latest" is looked up lazily: fix the start now, or the first entries can fall before it.
            changes.assignment().forEach(changes::position);
            Map<String, Long> expectedExit = new HashMap<>();
            long sendStart = System.currentTimeMillis();
            for (int i = 0; i < users; i++) {
                String user = "tf-" + run + "-" + i;
                // Without a rate: now. With one: so that the user's bucket ends, plus the window, at firstDue + i / rate.
                Instant at = rate <= 0 ? Instant.now()
                        : Instant.ofEpochMilli(firstDue - windowMillis - 1000 + (long) (i * 1000 / rate));
                Event event = new Event(1, "track", UUID.randomUUID().toString(), user, null, eventName, null, null, null,
                        null, Map.of(), null, null, at, null, null, at, "timeflip-load");
                expectedExit.put(user, (Math.floorDiv(at.toEpochMilli(), 1000) + 1) * 1000 + windowMillis);
                events.send(new ProducerRecord<>(Topics.EVENTS, user, new String(EventRecords.write(event), StandardCharsets.UTF_8)));
            }
            events.flush();
            long sent = System.currentTimeMillis();
            System.out.printf("sent %d events in %d ms%n", users, sent - sendStart);

            long[] storedLateness = new long[users];
            long[] receivedLateness = new long[users];
            int entered = 0;
            int exited = 0;
            Set<String> exitedUsers = new HashSet<>();
            int duplicates = 0;
            long lastEntered = 0;
            long lastDue = expectedExit.values().stream().mapToLong(Long::longValue).max().orElse(sent);
            long deadline = Math.max(sent + windowMillis, lastDue) + Duration.ofMinutes(5).toMillis();
            long drainUntil = Long.MAX_VALUE; // after the last exit, a few seconds more for any duplicate
            while (System.currentTimeMillis() < Math.min(deadline, drainUntil)) {
                for (ConsumerRecord<String, String> record : changes.poll(Duration.ofMillis(200))) {
                    JsonNode change = Json.read(record.value(), JsonNode.class);
                    if (!segment.equals(change.get("segmentId").asText())) {
                        continue;
                    }
                    if (change.get("change").asText().equals("entered")) {
                        entered++;
                        lastEntered = System.currentTimeMillis();
                    } else if (change.get("cause").asText().startsWith("time:")) {
                        if (!exitedUsers.add(change.get("userId").asText())) {
                            duplicates++;
                            continue;
                        }
                        long expected = expectedExit.get(change.get("userId").asText());
                        storedLateness[exited] = Instant.parse(change.get("at").asText()).toEpochMilli() - expected;
                        receivedLateness[exited] = System.currentTimeMillis() - expected;
                        exited++;
                        if (exited == users) {
                            drainUntil = System.currentTimeMillis() + 5_000;
                        }
                    }
                }
            }
            System.out.printf("entered: %d users, the last %d ms after the send ended (%.0f events/s through segment-function)%n",
                    entered, lastEntered - sent, entered * 1000.0 / Math.max(1, lastEntered - sendStart));
            System.out.printf("time-driven exits: %d of %d%s%n", exited, users,
                    rate > 0 ? String.format(" (due at %.0f users/s over %.1f s)", rate, users / rate) : "");
            System.out.printf("duplicate time-driven exits: %d%n", duplicates);
            report("exit stored after the exact moment (ms)", storedLateness, exited);
            report("exit received here after the exact moment (ms)", receivedLateness, exited);
        } finally {
            if (background > 0) {
                scheduleBackground(options.getOrDefault("redis", "redis://127.0.0.1:6379"), "tf-bg-" + run + "-", background, false);
            }
        }
    }

    /** Adds (or removes) {@code n} users to the partitions' wake schedules, due six hours from now, 1,000 per command. */
    private static void scheduleBackground(String redisUrl, String prefix, int n, boolean add) throws Exception {
        long due = System.currentTimeMillis() + Duration.ofHours(6).toMillis();
        try (Resp redis = new Resp(redisUrl)) {
            int partitions = Integer.parseInt(String.valueOf(redis.call("GET", RedisKeys.EVENT_PARTITIONS)));
            Map<Integer, List<String>> byShard = new HashMap<>();
            for (int i = 0; i < n; i++) {
                String user = prefix + i;
                int shard = io.segflow.core.state.Partitioning.partitionOf(user, partitions);
                List<String> command = byShard.computeIfAbsent(shard, s -> newCommand(add, s));
                if (add) {
                    command.add(Long.toString(due + i));
                }
                command.add(user);
                if (command.size() >= 2_002) {
                    redis.call(command);
                    byShard.remove(shard);
                }
            }
            for (List<String> command : byShard.values()) {
                redis.call(command);
            }
            long scheduled = 0;
            for (int shard = 0; shard < partitions; shard++) {
                scheduled += (Long) redis.call("ZCARD", RedisKeys.schedule(shard));
            }
            System.out.printf("%s %d background users; the wake schedule holds %d users%n", add ? "scheduled" : "removed", n, scheduled);
        }
    }

    private static List<String> newCommand(boolean add, int shard) {
        return new ArrayList<>(List.of(add ? "ZADD" : "ZREM", RedisKeys.schedule(shard)));
    }

    private static void report(String what, long[] values, int n) {
        if (n == 0) {
            return;
        }
        long[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        System.out.printf("%s: min %d, p50 %d, p90 %d, p99 %d, max %d%n", what, sorted[0], sorted[n / 2],
                sorted[(int) (n * 0.9)], sorted[Math.min(n - 1, (int) (n * 0.99))], sorted[n - 1]);
    }

    private static void defineSegment(String api, String adminKey, String id, String condition) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(api + "/v1/segments/" + id))
                .header("Authorization", "Bearer " + adminKey).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("condition", condition)))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException("could not define the segment: " + response.statusCode() + " " + response.body());
        }
    }

    private static KafkaConsumer<String, String> consumer(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "timeflip-load-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // as segflow's consumers read
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "131072");
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }
}
