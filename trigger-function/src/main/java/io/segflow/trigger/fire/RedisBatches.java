package io.segflow.trigger.fire;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.runtime.Startup;
import io.segflow.core.redis.RedisIdleTimeout;
import io.segflow.trigger.TriggerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Makes the {@link RedisBatch}es of this instance, one pipeline per batch on one Redis server, one per slot on a
 * cluster; writes wait for the replicas {@code segflow.trigger.redis-replicas} asks for (checked at startup).
 */
@Startup
@ApplicationScoped
public class RedisBatches {
    private static final Logger LOG = Logger.getLogger(RedisBatches.class);
    private final RedisDataSource redis;
    private final boolean cluster;
    private final ReplicaWait replicaWait;

    RedisBatches(RedisDataSource redis, @ConfigProperty(name = "quarkus.redis.client-type", defaultValue = "standalone") String clientType,
                 @ConfigProperty(name = "quarkus.redis.tcp.idle-timeout") Optional<Duration> idleTimeout,
                 TriggerConfig config, MeterRegistry metrics) {
        this.redis = redis;
        this.cluster = clientType.equalsIgnoreCase("cluster");
        this.replicaWait = replicaWait(config.redisReplicas(), config.deliveries().timeout().plusSeconds(5), idleTimeout, metrics);
    }

    /**
     * {@code lease}: how long a stored firing waits in the schedule before any instance's poll takes it: a batch
     * still waiting for replicas then would see its firings attempted twice.
     */
    private static ReplicaWait replicaWait(TriggerConfig.RedisReplicas replicas, Duration lease, Optional<Duration> idleTimeout,
                                           MeterRegistry metrics) {
        if (replicas.acks() < 0) {
            throw new IllegalArgumentException("segflow.trigger.redis-replicas.acks must be 0 or more, was " + replicas.acks());
        }
        Duration timeout = replicas.timeout();
        if (timeout.toMillis() < 1 || timeout.compareTo(RedisBatch.TIMEOUT) >= 0) {
            throw new IllegalArgumentException("segflow.trigger.redis-replicas.timeout must be at least 1ms and under "
                    + RedisBatch.TIMEOUT.toSeconds() + "s (a batch's command timeout), was " + timeout);
        }
        if (replicas.acks() > 0 && timeout.compareTo(lease) >= 0) {
            throw new IllegalArgumentException("segflow.trigger.redis-replicas.timeout must be under "
                    + "segflow.trigger.deliveries.timeout + 5s (" + lease + ", when a stored firing's lease runs out), was " + timeout);
        }
        if (replicas.acks() > 0 && RedisIdleTimeout.cutsShort(timeout, idleTimeout)) {
            throw new IllegalArgumentException("segflow.trigger.redis-replicas.timeout must be under quarkus.redis.tcp.idle-timeout ("
                    + RedisIdleTimeout.seconds(idleTimeout) + "s): a connection silent that long is closed under the WAIT, and the batch fails; was " + timeout);
        }
        // Registered without replicas too, so that dashboards and alerts find it (at 0) wherever trigger-function runs.
        Counter timeouts = Counter.builder("segflow.trigger.replica.wait.timeouts")
                .description("Batches of firings written that fewer Redis replicas than asked for acknowledged in time")
                .register(metrics);
        if (replicas.acks() == 0) {
            return null;
        }
        return new ReplicaWait(replicas.acks(), timeout.toMillis(), acknowledged -> {
            timeouts.increment();
            LOG.warnf("%d of %d Redis replicas acknowledged a batch of firings within %d ms; going on without waiting "
                    + "for them for %d s (a failover meanwhile could lose firings)", acknowledged, replicas.acks(),
                    timeout.toMillis(), ReplicaWait.SUSPENDED_FOR_MILLIS / 1000);
        });
    }

    public RedisBatch reads() {
        return RedisBatch.reads(redis, cluster);
    }

    public RedisBatch writes() {
        return RedisBatch.writes(redis, cluster, replicaWait);
    }
}
