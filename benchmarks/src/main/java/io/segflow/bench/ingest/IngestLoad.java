package io.segflow.bench.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.event.EventRecords;
import io.segflow.core.event.EventType;
import io.segflow.core.event.SegmentCallParser;
import io.segflow.core.event.SegmentCallParser.BatchDefaults;
import io.segflow.core.json.Json;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Load generator for ingest-function. In one run: (1) {@code /v1/batch} with realistic 100-event batches from N
 * concurrent clients, as fast as ingest answers; (2) single {@code /v1/track} calls at a fixed rate (open loop:
 * latency counts from the intended send time, so a stall is not hidden), after 5 s of the same unmeasured; (3) Kafka's
 * raw producer rate on the same broker with records of the size ingest writes, keyed like ingest's, then with Kafka's
 * own {@code kafka-producer-perf-test}; and the ratios of (1) to each. Both HTTP phases use lean keep-alive
 * connections ({@link KeepAliveConnection}), so that the generator takes little of the CPU it shares.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.segflow.bench.ingest.IngestLoad \
 *     --url http://127.0.0.1:8081 --write-key dev-write-key --bootstrap 127.0.0.1:9092 --seconds 30 \
 *     [--kafka-libs $SEGFLOW_HOME/kafka/libs]
 * </pre>
 */
public final class IngestLoad {

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        String url = options.getOrDefault("url", "http://127.0.0.1:8081");
        String writeKey = options.getOrDefault("write-key", "dev-write-key");
        String bootstrap = options.getOrDefault("bootstrap", "127.0.0.1:9092");
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "30"));
        int concurrency = Integer.parseInt(options.getOrDefault("concurrency", "16"));
        int batchSize = Integer.parseInt(options.getOrDefault("batch-size", "100"));
        int trackRate = Integer.parseInt(options.getOrDefault("track-rate", "1000"));
        String topic = options.getOrDefault("producer-topic", "segflow.bench.producer");
        int producerSeconds = Integer.parseInt(options.getOrDefault("producer-seconds", "10"));

        String auth = "Basic " + Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8));
        // Bodies are built and encoded before the run, so that the generator spends its CPU on HTTP only.
        List<byte[]> batches = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            batches.add(RealisticEvents.batch(batchSize).getBytes(StandardCharsets.UTF_8));
        }
        List<String> trackCalls = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            trackCalls.add(RealisticEvents.track(false));
        }
        List<byte[]> tracks = trackCalls.stream().map(call -> call.getBytes(StandardCharsets.UTF_8)).toList();
        int recordBytes = normalizedRecordBytes(trackCalls);
        System.out.printf("ingest at %s, Kafka at %s; %d-event batches of ~%d bytes; records of ~%d bytes%n",
                url, bootstrap, batchSize, batches.getFirst().length, recordBytes);

        System.out.println("warm-up (10 s of batches)...");
        batchPhase(url + "/v1/batch", auth, batches, concurrency, 10, batchSize);
        Run batch = batchPhase(url + "/v1/batch", auth, batches, concurrency, seconds, batchSize);
        System.out.printf("/v1/batch, %d events per request, %d concurrent clients, %d s:%n  %,.0f events/s accepted "
                        + "(%,.0f requests/s, %d non-200); latency %s%n",
                batchSize, concurrency, seconds, batch.accepted / batch.seconds, batch.requests / batch.seconds,
                batch.failed, batch.latencies.summary());

        trackPhase(url + "/v1/track", auth, tracks, trackRate, 5); // warm-up: single calls take their own code path
        Run track = trackPhase(url + "/v1/track", auth, tracks, trackRate, seconds);
        System.out.printf("/v1/track at %d requests/s (open loop), %d s:%n  %,.0f requests/s done, %d non-200; latency %s%n",
                trackRate, seconds, track.requests / track.seconds, track.failed, track.latencies.summary());

        double ingestRate = batch.accepted / batch.seconds;
        long producerRecords = Math.max(200_000, (long) ingestRate * 10);
        ProducerBaseline.Result keyed = ProducerBaseline.run(bootstrap, topic, recordBytes, producerRecords, producerSeconds);
        System.out.printf("Kafka producer on the same broker, keyed like ingest (topic %s, %d-byte records, acks=all, "
                        + "idempotent):%n  %,.0f records/s (%,d records in %.1f s)%n",
                topic, recordBytes, keyed.recordsPerSecond(), keyed.records(), keyed.seconds());
        System.out.printf("ratio ingest /v1/batch events/s : keyed producer records/s = %.2f%n",
                ingestRate / keyed.recordsPerSecond());

        Path libs = ProducerPerfTool.libs(options.getOrDefault("kafka-libs",
                System.getenv().getOrDefault("SEGFLOW_HOME", ".segflow") + "/kafka/libs"));
        if (libs == null) {
            System.out.println("kafka-producer-perf-test: no kafka-tools jar in --kafka-libs (infra/local/up fetches it); skipped");
            return;
        }
        // The tool's run lasts about as long as the keyed baseline's: the records it sent in that time.
        long toolRecords = Math.max(200_000, (long) keyed.recordsPerSecond() * producerSeconds);
        ProducerPerfTool.Result tool = ProducerPerfTool.run(libs, bootstrap, topic, recordBytes, toolRecords);
        System.out.printf("kafka-producer-perf-test on the same broker (same topic, record size and producer settings):%n"
                + "  %,.0f records/s (%s)%n", tool.recordsPerSecond(), tool.summary());
        System.out.printf("ratio ingest /v1/batch events/s : kafka-producer-perf-test records/s = %.2f%n",
                ingestRate / tool.recordsPerSecond());
    }

    private record Run(long requests, long accepted, long failed, double seconds, Latencies latencies) {
    }

    /** Closed loop: each client sends its next batch as soon as the previous one is answered, on its own connection. */
    private static Run batchPhase(String url, String auth, List<byte[]> bodies, int clients, int seconds, int batchSize)
            throws InterruptedException {
        Latencies latencies = new Latencies();
        AtomicLong requests = new AtomicLong();
        AtomicLong accepted = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int offset = c;
            threads.add(Thread.ofPlatform().start(() -> {
                int i = offset;
                KeepAliveConnection connection = null;
                while (System.nanoTime() < end) {
                    byte[] body = bodies.get(i++ % bodies.size());
                    long sent = System.nanoTime();
                    try {
                        if (connection == null) {
                            connection = new KeepAliveConnection(URI.create(url), auth);
                        }
                        int status = connection.post(body);
                        latencies.add(System.nanoTime() - sent);
                        requests.incrementAndGet();
                        if (status == 200) {
                            accepted.addAndGet(batchSize);
                        } else {
                            failed.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        closeQuietly(connection);
                        connection = null;
                    }
                }
                closeQuietly(connection);
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        return new Run(requests.get(), accepted.get(), failed.get(), (System.nanoTime() - start) / 1e9, latencies);
    }

    private static void closeQuietly(KeepAliveConnection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (java.io.IOException ignored) {
                // the next request opens a new one
            }
        }
    }

    /**
     * Open loop at a fixed rate: a pacer queues each request's intended send time, a pool of connections sends them;
     * a request's latency runs from when it should have been sent, so a stalled server counts in full.
     */
    private static Run trackPhase(String url, String auth, List<byte[]> bodies, int rate, int seconds)
            throws InterruptedException {
        Latencies latencies = new Latencies();
        AtomicLong failed = new AtomicLong();
        AtomicLong done = new AtomicLong();
        long interval = 1_000_000_000L / rate;
        long total = (long) rate * seconds;
        BlockingQueue<Long> due = new LinkedBlockingQueue<>();
        List<Thread> senders = new ArrayList<>();
        for (int c = 0; c < 32; c++) {
            senders.add(Thread.ofPlatform().daemon().start(() -> {
                KeepAliveConnection connection = null;
                try {
                    for (long intended = due.take(); intended >= 0; intended = due.take()) {
                        long n = done.getAndIncrement();
                        try {
                            if (connection == null) {
                                connection = new KeepAliveConnection(URI.create(url), auth);
                            }
                            if (connection.post(bodies.get((int) (n % bodies.size()))) != 200) {
                                failed.incrementAndGet();
                            }
                        } catch (IOException e) {
                            failed.incrementAndGet();
                            closeQuietly(connection);
                            connection = null;
                        }
                        latencies.add(System.nanoTime() - intended);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                closeQuietly(connection);
            }));
        }
        long start = System.nanoTime();
        for (long n = 0; n < total; n++) {
            long intended = start + n * interval;
            long wait = intended - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            due.add(intended);
        }
        senders.forEach(sender -> due.add(-1L));
        for (Thread sender : senders) {
            sender.join();
        }
        return new Run(total, total - failed.get(), failed.get(), (System.nanoTime() - start) / 1e9, latencies);
    }

    /** The average size of the records ingest writes for these calls (the normalized event JSON). */
    private static int normalizedRecordBytes(List<String> calls) throws Exception {
        long bytes = 0;
        for (String call : calls) {
            JsonNode json = Json.MAPPER.readTree(call);
            bytes += EventRecords.write(SegmentCallParser.parse(json, EventType.TRACK, BatchDefaults.NONE, Instant.now(), "dev")).length;
        }
        return (int) (bytes / calls.size());
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value pairs, got " + args[i]);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }
}
