package io.segflow.bench.pipeline;

import io.segflow.bench.engine.Resp;
import io.segflow.core.Topics;
import java.util.List;
import java.util.UUID;

/**
 * Load generator and meter for segment-function, driven as a black box through its contract: normalized events on
 * {@code segflow.events}, segments in Redis, change records on {@code segflow.segment-changes}, and the consumer
 * group's committed offsets (committed only once a batch's state is in Redis and its changes are acknowledged).
 *
 * <ul>
 *   <li>{@code --phase drain}: with segment-function stopped, writes a backlog of {@code --events} events of
 *   {@code --users} users, prints "backlog ready", and measures events/s from the group's first commit until it
 *   reaches the end; Redis commands, Redis CPU and segment-function CPU per event over the same interval; then
 *   {@code kafka-producer-perf-test} and {@code redis-benchmark} (if on the PATH) on the same servers.
 *   {@link DrainPhase}</li>
 *   <li>{@code --phase latency}: open loop at {@code --rate} for {@code --seconds} after {@code --warmup} seconds,
 *   latency from each event's intended send time to its change records; {@code --backfill-users N} registers N more
 *   users first and starts a backfill over every known user a third into the window; {@code --api-url} (with
 *   {@code --api-key}, an admin key) also measures event to SSE push on a running api-function for
 *   {@code --sse-per-second} sampled probes. {@link LatencyPhase}, {@link SsePushes}</li>
 *   <li>{@code --phase all}: drain, then latency (segment-function running from the drain on).</li>
 *   <li>{@code --phase recovery}: steady traffic and the group's lag every second while the operator kills and
 *   restarts segment-function. {@link RecoveryPhase}</li>
 *   <li>{@code --phase identity}: {@code --users} anonymous visitors browse into segments, then as many identify calls
 *   at {@code --rate} (default 2,000/s) merge each into a user: latency from the identify to the anonymous id's
 *   {@code merged} record and to the user's first change it caused, Redis commands, segment-function CPU and records
 *   on {@code segflow.events} per merge, next to the same per plain event. {@link IdentityPhase}</li>
 *   <li>{@code --phase replay}: a backlog of {@code --events} (500,000) events over the last 20 days, then a new segment
 *   on a property aggregate no segment kept: the history replay's time, events/s, CPU and Redis per replayed event, the
 *   backfill after it, {@code kafka-consumer-perf-test} on the same topic, and the members against a brute-force count.
 *   {@code --metrics-url} (http://127.0.0.1:8082/q/metrics) is segment-function's Prometheus endpoint. {@link ReplayPhase}</li>
 * </ul>
 *
 * <p>The segments are the 20 typical ones of {@code SegmentCatalog} with its scoring, plus a probe segment
 * ({@link BenchCatalog}); they are written straight to Redis, so the api-function need not run (but for
 * {@code --api-url}).
 *
 * <pre>
 * export SEGFLOW_HOME=/tmp/sf-engine SEGFLOW_KAFKA_PORT=29092 SEGFLOW_REDIS_PORT=26379
 * infra/local/up --infra-only --detach
 * java -cp benchmarks/target/benchmarks.jar io.segflow.bench.pipeline.EngineLoad --phase all \
 *     --bootstrap 127.0.0.1:29092 --redis redis://127.0.0.1:26379 --pid-file /tmp/sf-engine/segment.pid
 * # at "backlog ready", in another shell:
 * env QUARKUS_HTTP_PORT=28082 QUARKUS_HTTP_HOST=127.0.0.1 KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:29092 \
 *     QUARKUS_REDIS_HOSTS=redis://127.0.0.1:26379 QUARKUS_OTEL_SDK_DISABLED=true \
 *     java -Xmx256m -jar segment-function/target/quarkus-app/quarkus-run.jar &amp; echo $! &gt; /tmp/sf-engine/segment.pid
 * </pre>
 *
 * <p>With the whole local stack instead ({@code infra/local/up --detach}): stop segment-function before the drain
 * ({@code kill $(cat $SEGFLOW_HOME/pids/segment-function.pid)}), and at "backlog ready" run {@code infra/local/up
 * --detach} again, which starts what is missing and writes the pid file this tool reads by default.
 *
 * <p>Latency alone, with a backfill over 100,000 extra users: {@code --phase latency --backfill-users 100000}. Recovery:
 * {@code --phase recovery --rate 2000 --seconds 180}, then {@code kill -9} segment-function and start it again.
 *
 * <p>Options (defaults): {@code --bootstrap} (127.0.0.1:9092), {@code --redis} (redis://127.0.0.1:6379), {@code --pid}
 * or {@code --pid-file} ($SEGFLOW_HOME/pids/segment-function.pid; read when the drain starts), {@code --kafka-libs}
 * ($SEGFLOW_HOME/kafka/libs), {@code --events} (200000), {@code --users} (20000), {@code --rate} (5000; identity 2000),
 * {@code --seconds} (30), {@code --warmup} (60 for latency, else 5), {@code --probe-share} (0.2), {@code --probe-users} (new;
 * returning: the probes are events of the pool's users, known from the warm-up), {@code --backfill-users} (0),
 * {@code --backfill-timeout} (180 s), {@code --backfill-moves} (true; false saves the backfill's segment in other words,
 * so that nobody enters or exits it), {@code --producer-topic} (segflow.bench.producer), {@code --api-url} (none),
 * {@code --api-key} (dev-admin-key), {@code --sse-per-second} (50), {@code --floor-seconds} (20; the latency phase's
 * {@link KafkaFloor}, 0 for none), {@code --floor-alongside} (0; events/s through the floor's two hops during the
 * latency window, 0 for none).
 */
public final class EngineLoad {
    /** segment-function's consumer group on {@code segflow.events}. */
    static final String GROUP = "segment-function";

    private EngineLoad() {
    }

    public static void main(String[] args) throws Exception {
        EngineOptions options = EngineOptions.parse(args);
        // Each run's users are new, so that a drain starts from empty profiles whatever ran on the stack before.
        String run = UUID.randomUUID().toString().substring(0, 8);
        Summary summary = new Summary();
        try (Resp redis = new Resp(options.redis());
             GroupProgress progress = new GroupProgress(options.bootstrap(), GROUP, Topics.EVENTS)) {
            BenchCatalog catalog = prepareCatalog(redis, progress.partitions());
            switch (options.phase()) {
                case "drain" -> new DrainPhase(options, redis, progress, summary, run).run();
                case "latency" -> new LatencyPhase(options, redis, progress, catalog, summary, run).run();
                case "recovery" -> new RecoveryPhase(options, progress, summary, run).run();
                case "identity" -> new IdentityPhase(options, redis, progress, summary, run).run();
                case "replay" -> new ReplayPhase(options, redis, progress, summary, run).run();
                default -> {
                    new DrainPhase(options, redis, progress, summary, run).run();
                    new LatencyPhase(options, redis, progress, catalog, summary, run).run();
                }
            }
        } finally {
            summary.print();
        }
    }

    private static BenchCatalog prepareCatalog(Resp redis, int eventPartitions) throws Exception {
        BenchCatalog catalog = new BenchCatalog(redis);
        if (catalog.ensure()) {
            long known = catalog.knownUsers(eventPartitions);
            System.out.printf("segments saved (%d and scoring); new catalog revision%s%n", BenchCatalog.wanted().size(),
                    known > 0 ? String.format(": segment-function backfills its %,d known users, in parallel with what follows", known) : "");
        } else {
            System.out.printf("segments already in place (%d and scoring)%n", BenchCatalog.wanted().size());
        }
        List<String> foreign = catalog.foreignSegments();
        if (!foreign.isEmpty()) {
            System.out.printf("warning: %d other enabled segments are evaluated too: %s%n", foreign.size(),
                    foreign.size() > 10 ? foreign.subList(0, 10) + "..." : foreign);
        }
        return catalog;
    }
}
