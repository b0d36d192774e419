package io.segflow.segment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.segflow.core.redis.RedisKeys;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Brings every known user to a new segment catalog without waiting for its events. When the catalog revision
 * changes, the users shards are claimed ({@link BackfillClaims}: once per revision across all instances) and
 * scanned, and every user in them gets a wake at now in the time-flip schedule. {@link TimeFlipScheduler} claims
 * those wakes like any other; the user's {@code @catalog} is behind, so the engine evaluates every segment.
 * Runs on a thread of its own, so that events and time flips keep flowing meanwhile.
 */
@ApplicationScoped
public class CatalogBackfill {
    private static final Logger LOG = Logger.getLogger(CatalogBackfill.class);

    private final SegmentCatalog catalog;
    private final UserRegistry registry;
    private final BackfillClaims claims;
    private final WakeSchedule schedule;
    private final RedisPipeline pipeline;
    private final Duration lease;
    private final Duration checkInterval;
    private final int chunk;
    private final Counter scheduledUsers;
    private ScheduledExecutorService executor;
    // Touched by the backfill thread only.
    private long attemptedRevision = -1;
    private long attemptedAt;

    CatalogBackfill(SegmentCatalog catalog, UserRegistry registry, BackfillClaims claims, WakeSchedule schedule,
                    RedisPipeline pipeline, MeterRegistry metrics,
                    @ConfigProperty(name = "segflow.backfill.lease", defaultValue = "60s") Duration lease,
                    @ConfigProperty(name = "segflow.backfill.check-interval", defaultValue = "250ms") Duration checkInterval,
                    @ConfigProperty(name = "segflow.backfill.chunk", defaultValue = "1000") int chunk) {
        this.catalog = catalog;
        this.registry = registry;
        this.claims = claims;
        this.schedule = schedule;
        this.pipeline = pipeline;
        this.lease = lease;
        this.checkInterval = checkInterval;
        this.chunk = chunk;
        this.scheduledUsers = metrics.counter("segflow.backfill.users");
    }

    void start(@Observes StartupEvent ignored) {
        executor = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("segflow-backfill").daemon().factory());
        executor.scheduleWithFixedDelay(this::check, 0, checkInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent ignored) {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    /**
     * A new revision is backfilled at once; the current one is tried again every lease, so that a shard an
     * instance died scanning is taken over (trying costs one script call per shard once it is done).
     */
    private void check() {
        try {
            long revision = catalog.refresh().index().revision();
            long now = System.currentTimeMillis();
            if (revision == attemptedRevision && now < attemptedAt + lease.toMillis()) {
                return;
            }
            backfill(revision);
            attemptedRevision = revision;
            attemptedAt = now;
        } catch (RuntimeException e) {
            LOG.warnf("Backfill of the segment catalog failed, retrying: %s", e.getMessage());
        }
    }

    /** Schedules the users of every shard this instance claims for {@code revision}; returns how many it scheduled. */
    public long backfill(long revision) {
        if (revision <= 0) {
            return 0; // no segment was ever saved: no user can be behind
        }
        long scheduled = 0;
        int claimed = 0;
        for (int shard = 0; shard < RedisKeys.USER_SHARDS; shard++) {
            Optional<BackfillClaims.Claim> claim = claims.claim(shard, revision, System.currentTimeMillis(), lease.toMillis());
            if (claim.isPresent()) {
                claimed++;
                scheduled += wakeUsers(claim.get());
            }
        }
        if (claimed > 0) {
            LOG.infof("Backfill of segment catalog revision %d: %d users scheduled for a full re-evaluation (%d of %d user shards)",
                    revision, scheduled, claimed, RedisKeys.USER_SHARDS);
        }
        return scheduled;
    }

    /** Scans a claimed shard chunk by chunk, each chunk's wakes one pipeline, the cursor recorded after each. */
    private long wakeUsers(BackfillClaims.Claim first) {
        long scheduled = 0;
        Optional<BackfillClaims.Claim> claim = Optional.of(first);
        while (claim.isPresent()) {
            if (catalog.current().index().revision() > first.revision()) {
                return scheduled; // a newer revision arrived: its backfill wakes these users again anyway
            }
            UserRegistry.Chunk users = registry.scan(first.shard(), claim.get().cursor(), chunk);
            long now = System.currentTimeMillis();
            // ZADD LT: a user already due earlier keeps its wake; one claimed right now is taken again soon.
            List<Request> wakes = users.users().stream().map(user -> schedule.wakeRequest(user, now)).toList();
            pipeline.run(wakes);
            scheduledUsers.increment(wakes.size());
            scheduled += wakes.size();
            claim = claims.advance(claim.get(), users.nextCursor(), now, lease.toMillis());
        }
        return scheduled;
    }
}
