package io.segflow.trigger.bench;

import io.segflow.testkit.Ports;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.testkit.EmbeddedKafka;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * CPU per segment change of one packaged trigger-function (prod profile, {@code -Xmx512m}, tracing off), on the
 * testkit's in-process Kafka (3 partitions). Each round writes {@code changes} change records as segment-function
 * does (keyed by user, with a {@code traceparent}, {@code users} users with growing versions, every
 * {@code duplicateEvery}-th record published twice) in one Kafka transaction, then commits it: the function, idle
 * until then since it reads {@code read_committed}, drains the whole backlog at once. From the commit until the last
 * trigger record is on {@code segflow.triggers} it measures wall time and the function's process CPU
 * ({@code OperatingSystemMXBean#getProcessCpuTime}, read from its {@code process_cpu_time_ns_total} metric). A
 * warm-up round of the same size comes first; a round that loses a trigger record fails the run.
 *
 * <pre>
 * export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
 * ./mvnw -q install -DskipTests -pl segflow-core,segflow-testkit,trigger-function
 * ./mvnw -q -pl trigger-function dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
 * cd trigger-function &amp;&amp; $JAVA_HOME/bin/java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
 *   io.segflow.trigger.bench.TriggerBenchmark [changes 200000] [users 50000] [duplicateEvery 100] [rounds 5] [jar]
 * </pre>
 */
public final class TriggerBenchmark {
    private static final int PARTITIONS = 3;

    public static void main(String[] args) throws Exception {
        int changes = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int users = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        int duplicateEvery = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        Path jar = Path.of(args.length > 4 ? args[4] : "target/quarkus-app/quarkus-run.jar");

        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bootstrap = kafka.bootstrapServers();
            createTopics(bootstrap);
            int port = freePort();
            Process function = start(jar, port, bootstrap);
            try (ChangeWriter writer = new ChangeWriter(bootstrap, users, duplicateEvery);
                 TriggerCounter triggers = new TriggerCounter(bootstrap)) {
                awaitReady(port);
                System.out.printf("trigger-function pid %d on port %d; %d changes a round over %d users, every %d-th published twice%n",
                        function.pid(), port, changes, users, duplicateEvery);
                System.out.println("warm-up  " + round(writer, triggers, port, changes));
                List<Result> results = new ArrayList<>();
                for (int round = 1; round <= rounds; round++) {
                    results.add(round(writer, triggers, port, changes));
                    System.out.println("round " + round + "  " + results.getLast());
                }
                System.out.println("median   " + median(results) + " (the round with the median CPU per change)");
            } finally {
                function.destroy();
                function.waitFor(20, TimeUnit.SECONDS);
            }
        }
        System.exit(0);
    }

    private static Result round(ChangeWriter writer, TriggerCounter triggers, int port, int changes) throws Exception {
        long expected = triggers.count() + writer.writeUncommitted(changes);
        long cpuBefore = processCpuNanos(port);
        long start = System.nanoTime();
        writer.commit();
        triggers.awaitCount(expected, Duration.ofMinutes(5));
        long wall = System.nanoTime() - start;
        long cpu = processCpuNanos(port) - cpuBefore;
        return new Result(changes, wall, cpu);
    }

    /** The round with the median CPU per change. */
    private static Result median(List<Result> results) {
        List<Result> sorted = new ArrayList<>(results);
        sorted.sort(Comparator.comparingDouble(r -> (double) r.cpuNanos() / r.changes()));
        return sorted.get(sorted.size() / 2);
    }

    record Result(int changes, long wallNanos, long cpuNanos) {
        @Override
        public String toString() {
            return String.format("%,d changes in %,d ms: %,.0f changes/s, %.2f µs process CPU per change (%.2f cores busy)",
                    changes, wallNanos / 1_000_000, changes * 1e9 / wallNanos, cpuNanos / 1_000.0 / changes,
                    (double) cpuNanos / wallNanos);
        }
    }

    /** Changes as segment-function writes them, with each user's versions growing; all of a round in one transaction. */
    private static final class ChangeWriter implements AutoCloseable {
        private static final String[] SEGMENTS = {"cart-lovers", "vip", "churn-risk", "new-visitors", "big-spenders"};

        private final KafkaProducer<String, String> producer;
        private final long[] versions;
        private final int duplicateEvery;
        private final Instant at = Instant.now();

        ChangeWriter(String bootstrap, int users, int duplicateEvery) {
            this.versions = new long[users];
            this.duplicateEvery = duplicateEvery;
            this.producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-changes-" + UUID.randomUUID(),
                    ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "600000",
                    ProducerConfig.LINGER_MS_CONFIG, "5",
                    ProducerConfig.BATCH_SIZE_CONFIG, "262144"),
                    new StringSerializer(), new StringSerializer());
            producer.initTransactions();
        }

        /** Writes {@code records} records; returns how many distinct changes (trigger records to come) they hold. */
        long writeUncommitted(int records) {
            producer.beginTransaction();
            long distinct = 0;
            ProducerRecord<String, String> previous = null;
            for (int i = 0; i < records; i++) {
                ProducerRecord<String, String> record;
                if (previous != null && i % duplicateEvery == 0) {
                    record = previous;
                } else {
                    record = next(i);
                    distinct++;
                }
                producer.send(record);
                previous = record;
            }
            producer.flush();
            return distinct;
        }

        void commit() {
            producer.commitTransaction();
        }

        private ProducerRecord<String, String> next(int i) {
            int user = (int) ((i * 2_654_435_761L) % versions.length);
            long version = ++versions[user];
            String userId = "user-" + user;
            SegmentChange change = new SegmentChange(userId, SEGMENTS[(int) (version % SEGMENTS.length)],
                    version % 2 == 1 ? SegmentChange.ENTERED : SegmentChange.EXITED, at.plusMillis(i), version,
                    SegmentChange.causedByEvent("ajs-next-" + UUID.randomUUID()));
            ProducerRecord<String, String> record = new ProducerRecord<>(Topics.SEGMENT_CHANGES, userId, Json.write(change));
            record.headers().add("traceparent", TopicWriter.newTraceparent().getBytes(StandardCharsets.UTF_8));
            return record;
        }

        @Override
        public void close() {
            producer.close();
        }
    }

    /** Counts the records on {@code segflow.triggers} from its beginning. */
    private static final class TriggerCounter implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private long count;

        TriggerCounter(String bootstrap) {
            consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.GROUP_ID_CONFIG, "bench-counter-" + UUID.randomUUID(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000"),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(List.of(Topics.TRIGGERS));
        }

        long count() {
            return count;
        }

        void awaitCount(long expected, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (count < expected) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + count + " of " + expected + " trigger records arrived");
                }
                count += consumer.poll(Duration.ofMillis(50)).count();
            }
            if (count > expected) {
                System.out.printf("  %d trigger records more than distinct changes (a batch sent again, or a duplicate "
                        + "whose user was forgotten)%n", count - expected);
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    private static void createTopics(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(Topics.SEGMENT_CHANGES, PARTITIONS, (short) 1),
                    new NewTopic(Topics.TRIGGERS, PARTITIONS, (short) 1))).all().get();
        }
    }

    /** With the testkit's Redis: the function reads its trigger definitions there before it handles a change. */
    private static Process start(Path jar, int port, String bootstrap) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m"));
        // Extra options for the function's JVM, e.g. -Dfunction.jvm="-XX:StartFlightRecording=filename=f.jfr"
        command.addAll(List.of(System.getProperty("function.jvm", "").split(" ")).stream().filter(o -> !o.isBlank()).toList());
        command.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(Path.of("target/trigger-benchmark-function.log").toFile());
        builder.environment().putAll(Map.of(
                "QUARKUS_HTTP_PORT", Integer.toString(port), "QUARKUS_HTTP_HOST", "127.0.0.1",
                "KAFKA_BOOTSTRAP_SERVERS", bootstrap, "QUARKUS_REDIS_HOSTS", TestServices.redisUrl(),
                "QUARKUS_OTEL_SDK_DISABLED", "true"));
        return builder.start();
    }

    /** The function's own {@code getProcessCpuTime}, as Micrometer exports it. */
    private static long processCpuNanos(int port) throws Exception {
        for (String line : get(port, "/q/metrics").split("\n")) {
            if (line.startsWith("process_cpu_time_ns_total ")) {
                return (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
            }
        }
        throw new IllegalStateException("no process_cpu_time_ns_total in the function's metrics");
    }

    private static void awaitReady(int port) throws Exception {
        for (int i = 0; i < 1_200; i++) {
            try {
                if (get(port, "/q/health/ready").contains("\"UP\"")) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("trigger-function did not become ready; see target/trigger-benchmark-function.log");
    }

    private static String get(int port, String path) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    private static int freePort() {
        return Ports.free();
    }
}
