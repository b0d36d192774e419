package io.segflow.segment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.segflow.core.redis.RedisKeys;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Re-evaluates users whose segments time can flip (windows, inactivity, score decay) when their wake is due,
 * with no event and no scan: it polls the due end of each schedule shard. Every instance polls every shard;
 * claims keep them from doing the same user twice. Within an instance, a few poller threads take a share of the
 * shards each: a wave is mostly waiting on Redis and Kafka round trips, so shards polled side by side keep up with
 * more flips per second than one loop over all of them. The wakes {@link CatalogBackfill} sets after a segment
 * change come through here too.
 */
@ApplicationScoped
public class TimeFlipScheduler {
    private static final Logger LOG = Logger.getLogger(TimeFlipScheduler.class);

    private final WakeSchedule schedule;
    private final EventProcessor processor;
    private final ChangePublisher changes;
    private final ChangeTracing tracing;
    private final Duration lease;
    private final Timer lateness;
    private final Counter failures;
    private final RedisPipeline pipeline;
    private final Duration pollInterval;
    private final int claimBatch;
    private final int threads;
    private final List<Thread> pollers = new ArrayList<>();

    TimeFlipScheduler(WakeSchedule schedule, EventProcessor processor, ChangePublisher changes,
                      ChangeTracing tracing,
                      @ConfigProperty(name = "segflow.scheduler.lease", defaultValue = "30s") Duration lease,
                      @ConfigProperty(name = "segflow.scheduler.poll-interval", defaultValue = "250ms") Duration pollInterval,
                      @ConfigProperty(name = "segflow.scheduler.claim-batch", defaultValue = "1000") int claimBatch,
                      @ConfigProperty(name = "segflow.scheduler.threads", defaultValue = "4") int threads,
                      RedisPipeline pipeline, MeterRegistry metrics) {
        this.pipeline = pipeline;
        this.schedule = schedule;
        this.processor = processor;
        this.changes = changes;
        this.tracing = tracing;
        this.lease = lease;
        this.pollInterval = pollInterval;
        this.claimBatch = claimBatch;
        this.threads = Math.max(1, Math.min(threads, RedisKeys.SCHEDULE_SHARDS));
        this.lateness = metrics.timer("segflow.time.flip.lateness");
        this.failures = metrics.counter("segflow.time.flip.failures");
    }

    /** Quarkus' scheduler runs jobs at most once a second; flips must not wait that long, so poll on a thread of our own. */
    void start(@Observes StartupEvent ignored) {
        for (int t = 0; t < threads; t++) {
            final int first = t;
            pollers.add(Thread.ofPlatform().name("segflow-time-flips-" + t).daemon().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        pollDueWakes(first, threads);
                        Thread.sleep(pollInterval.toMillis());
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        LOG.warnf("Polling due wakes failed: %s", e.getMessage());
                    }
                }
            }));
        }
    }

    void stop(@Observes ShutdownEvent ignored) {
        pollers.forEach(Thread::interrupt);
    }

    /** Shards {@code first}, {@code first + step}, …: one poller thread's share. */
    void pollDueWakes(int first, int step) {
        // No catalog refresh here: wakeWave refreshes after a claim, and most polls claim nothing.
        for (int shard = first; shard < RedisKeys.SCHEDULE_SHARDS; shard += step) {
            try {
                List<WakeSchedule.Claim> claims = schedule.claimDue(shard, System.currentTimeMillis(), lease.toMillis(), claimBatch);
                if (claims.isEmpty()) {
                    continue;
                }
                // A window often ends for many users at once: they go to Redis together, a few pipelines a wave.
                Span span = tracing.startTimeFlips(claims.size());
                try {
                    EventProcessor.WakeWave wave = processor.wakeWave(claims);
                    changes.deliverAll(wave.claims(), user -> span);
                    pipeline.run(wave.reschedules(), WakeSchedule.RESCHEDULE);
                } finally {
                    span.end();
                }
                long done = System.currentTimeMillis();
                claims.forEach(claim -> lateness.record(Duration.ofMillis(Math.max(0, done - claim.due()))));
            } catch (RuntimeException e) {
                // Redis or Kafka down: the claims come back when their lease ends.
                failures.increment();
                LOG.warnf("Time-driven re-evaluation of shard %d failed: %s", shard, e.getMessage());
            }
        }
    }
}
