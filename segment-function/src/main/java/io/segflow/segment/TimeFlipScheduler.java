package io.segflow.segment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.scheduler.Scheduled;
import io.segflow.core.redis.RedisKeys;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Re-evaluates users whose segments time can flip (windows, inactivity, score decay) when their wake is due,
 * with no event and no scan: it polls the due end of each schedule shard. Every instance polls every shard;
 * claims keep them from doing the same user twice.
 */
@ApplicationScoped
public class TimeFlipScheduler {
    private static final Logger LOG = Logger.getLogger(TimeFlipScheduler.class);
    private static final int CLAIM_BATCH = 200;

    private final WakeSchedule schedule;
    private final SegmentCatalog catalog;
    private final EventProcessor processor;
    private final ChangePublisher changes;
    private final Duration lease;
    private final Timer lateness;
    private final Counter failures;

    TimeFlipScheduler(WakeSchedule schedule, SegmentCatalog catalog, EventProcessor processor, ChangePublisher changes,
                      @ConfigProperty(name = "segflow.scheduler.lease", defaultValue = "30s") Duration lease,
                      MeterRegistry metrics) {
        this.schedule = schedule;
        this.catalog = catalog;
        this.processor = processor;
        this.changes = changes;
        this.lease = lease;
        this.lateness = metrics.timer("segflow.time.flip.lateness");
        this.failures = metrics.counter("segflow.time.flip.failures");
    }

    @Scheduled(every = "${segflow.scheduler.poll-interval:250ms}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void pollDueWakes() {
        catalog.refresh();
        for (int shard = 0; shard < RedisKeys.SCHEDULE_SHARDS; shard++) {
            try {
                long now = System.currentTimeMillis();
                for (WakeSchedule.Claim claim : schedule.claimDue(shard, now, lease.toMillis(), CLAIM_BATCH)) {
                    changes.deliver(processor.wake(claim));
                    lateness.record(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - (claim.lease() - lease.toMillis()))));
                }
            } catch (RuntimeException e) {
                // Redis or Kafka down: the claims come back when their lease ends.
                failures.increment();
                LOG.warnf("Time-driven re-evaluation of shard %d failed: %s", shard, e.getMessage());
            }
        }
    }
}
