package io.segflow.segment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.scheduler.Scheduled;
import io.segflow.core.redis.RedisKeys;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
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
    private final UserTasks users;

    TimeFlipScheduler(WakeSchedule schedule, SegmentCatalog catalog, EventProcessor processor, ChangePublisher changes,
                      @ConfigProperty(name = "segflow.scheduler.lease", defaultValue = "30s") Duration lease,
                      UserTasks users, MeterRegistry metrics) {
        this.users = users;
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
    void pollDueWakes() throws InterruptedException {
        catalog.refresh();
        for (int shard = 0; shard < RedisKeys.SCHEDULE_SHARDS; shard++) {
            List<WakeSchedule.Claim> claims;
            try {
                claims = schedule.claimDue(shard, System.currentTimeMillis(), lease.toMillis(), CLAIM_BATCH);
            } catch (RuntimeException e) {
                failures.increment();
                LOG.warnf("Claiming due wakes of shard %d failed: %s", shard, e.getMessage());
                continue;
            }
            // Users wake side by side (a window often ends for many users at once).
            List<Callable<Void>> wakes = claims.stream().<Callable<Void>>map(claim -> () -> {
                wake(claim);
                return null;
            }).toList();
            for (Throwable failure : users.runAll(wakes)) {
                // Redis or Kafka down: the claim comes back when its lease ends.
                failures.increment();
                LOG.warnf("Time-driven re-evaluation failed: %s", failure.getMessage());
            }
        }
    }

    /** Lateness: from the instant the wake was due to the moment its changes are acknowledged. */
    private void wake(WakeSchedule.Claim claim) {
        changes.deliver(processor.wake(claim));
        lateness.record(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - claim.due())));
    }

}
