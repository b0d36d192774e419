package io.segflow.bench.pipeline;

import io.segflow.bench.Flags;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * {@link EngineLoad}'s command line: {@code --name value} pairs, each defaulted; an unknown name is refused so
 * that a typo does not silently run with a default.
 */
record EngineOptions(
        String phase,
        String bootstrap,
        String redis,
        Long pid,
        Path pidFile,
        Path kafkaPidFile,
        String kafkaLibs,
        int events,
        int users,
        int rate,
        int seconds,
        int warmupSeconds,
        int backfillUsers,
        int backfillTimeoutSeconds,
        boolean backfillMoves,
        double probeShare,
        boolean returningProbes,
        String producerTopic,
        boolean warm,
        String metricsUrl,
        String apiUrl,
        String apiKey,
        int ssePerSecond,
        int floorSeconds,
        int floorAlongside) {

    private static final Set<String> NAMES = Set.of("phase", "bootstrap", "redis", "pid", "pid-file", "kafka-pid-file", "kafka-libs",
            "events", "users", "rate", "seconds", "warmup", "backfill-users", "backfill-timeout", "backfill-moves", "probe-share",
            "probe-users", "producer-topic", "warm", "metrics-url", "api-url", "api-key", "sse-per-second",
            "floor-seconds", "floor-alongside");

    static EngineOptions parse(String[] args) {
        Map<String, String> given = Flags.parse(args, NAMES);
        String home = System.getenv().getOrDefault("SEGFLOW_HOME", ".segflow");
        // latency: whose events the probes are: a new user each ("new"), or the pool's users ("returning")
        String probeUsers = given.getOrDefault("probe-users", "new");
        if (!Set.of("new", "returning").contains(probeUsers)) {
            throw new IllegalArgumentException("--probe-users must be new or returning");
        }
        EngineOptions options = new EngineOptions(
                given.getOrDefault("phase", "all"),
                given.getOrDefault("bootstrap", "127.0.0.1:9092"),
                given.getOrDefault("redis", "redis://127.0.0.1:6379"),
                given.containsKey("pid") ? Long.parseLong(given.get("pid")) : null,
                Path.of(given.getOrDefault("pid-file", home + "/pids/segment-function.pid")),
                // the local stack's broker, for the latency phase's CPU shares
                Path.of(given.getOrDefault("kafka-pid-file", home + "/pids/kafka.pid")),
                given.getOrDefault("kafka-libs", home + "/kafka/libs"),
                // replay: a backlog of 20 days for the replay to read
                Integer.parseInt(given.getOrDefault("events", "replay".equals(given.get("phase")) ? "500000" : "200000")),
                Integer.parseInt(given.getOrDefault("users", "20000")),
                // identity: identifies per second, 2,000 (sign-ups are rarer than events; each is three steps)
                Integer.parseInt(given.getOrDefault("rate", "identity".equals(given.get("phase")) ? "2000" : "5000")),
                Integer.parseInt(given.getOrDefault("seconds", "30")),
                // latency: long enough for the JIT of segment-function, the broker and this JVM to be done at the rate
                Integer.parseInt(given.getOrDefault("warmup", "latency".equals(given.get("phase")) ? "60" : "5")),
                Integer.parseInt(given.getOrDefault("backfill-users", "0")),
                Integer.parseInt(given.getOrDefault("backfill-timeout", "180")),
                // latency: whether the backfill's segment moves every known user (false: a new revision that moves nobody)
                Boolean.parseBoolean(given.getOrDefault("backfill-moves", "true")),
                Double.parseDouble(given.getOrDefault("probe-share", "0.2")),
                "returning".equals(probeUsers),
                given.getOrDefault("producer-topic", "segflow.bench.producer"),
                Boolean.parseBoolean(given.getOrDefault("warm", "false")),
                // replay: segment-function's Prometheus endpoint, for segflow_history_replayed_events_total
                given.getOrDefault("metrics-url", "http://127.0.0.1:8082/q/metrics"),
                // latency: a running api-function to measure event -> SSE push on (none: not measured)
                given.get("api-url"),
                given.getOrDefault("api-key", "dev-admin-key"),
                Integer.parseInt(given.getOrDefault("sse-per-second", "50")),
                // latency: seconds of the Kafka floor after the window (the same events through Kafka twice; 0: none)
                Integer.parseInt(given.getOrDefault("floor-seconds", "20")),
                // latency: events/s through the Kafka floor's two hops during the window, beside segflow (0: none)
                Integer.parseInt(given.getOrDefault("floor-alongside", "0")));
        if (options.returningProbes && options.apiUrl != null) {
            // a returning user's stream also carries the changes of its other events: its first is not the probe's
            throw new IllegalArgumentException("--api-url measures pushes of new users' probes: not with --probe-users returning");
        }
        if (!Set.of("drain", "latency", "all", "recovery", "identity", "replay").contains(options.phase)) {
            throw new IllegalArgumentException("--phase must be drain, latency, all, recovery, identity or replay");
        }
        if (options.events < 1 || options.users < 1 || options.rate < 1 || options.seconds < 1
                || options.probeShare < 0 || options.probeShare > 1 || options.ssePerSecond < 1 || options.floorSeconds < 0
                || options.floorAlongside < 0) {
            throw new IllegalArgumentException("--events, --users, --rate, --seconds, --sse-per-second must be positive, "
                    + "--floor-seconds and --floor-alongside not negative, --probe-share in [0, 1]");
        }
        return options;
    }
}
