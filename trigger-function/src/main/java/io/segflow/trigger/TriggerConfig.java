package io.segflow.trigger;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Settings of trigger-function, all under {@code segflow.trigger}; checked at startup (see {@link SeenPartitions}). */
@ConfigMapping(prefix = "segflow.trigger")
public interface TriggerConfig {

    Dedupe dedupe();

    /** Delivering firings of trigger definitions: retries, deadline, timeouts, breaker, schedule polling. */
    Deliveries deliveries();

    /** Which addresses actions may call (SSRF). */
    Endpoints endpoints();

    /** How many Redis replicas must hold a batch's firings before the batch's offsets may be committed. */
    RedisReplicas redisReplicas();

    /**
     * Static consumer-group member id of this instance (env {@code SEGFLOW_INSTANCE_ID}; the pod name): a restarted
     * instance rejoins as the same member and keeps its partitions. Unset, a restart after a crash waits for the
     * dead member's session to time out before the partitions are consumed again. See {@link StaticMembership}.
     */
    Optional<String> instanceId();

    /**
     * Kafka producer properties of the trigger producer, as {@code segflow.trigger.producer.<property>} (e.g.
     * {@code segflow.trigger.producer.linger.ms}). On top of the {@code kafka.*} client settings (bootstrap
     * servers, security) and {@link TriggerProducer#DEFAULTS} ({@code acks=all}, idempotent, {@code linger.ms=0},
     * {@code batch.size=131072}); an invalid value stops the start (the Kafka client checks them).
     */
    Map<String, String> producer();

    /** Dropping changes published twice (the change log is at-least-once), see {@link SeenVersions}. */
    interface Dedupe {
        /**
         * Users per assigned partition whose latest version is remembered, the least recently seen forgotten first:
         * about 150 bytes a user with 36-character user ids (30 MB per partition at the default). segment-function
         * publishes changes again after a crash or a partition move; a user's duplicate passes (its trigger id is
         * stable, for downstream deduplication) only if more users than this changed on the partition in between.
         */
        @WithDefault("200000")
        int usersPerPartition();
    }

    interface Deliveries {
        /**
         * Waits between attempts, the n-th after the n-th failure, the last repeated; each varied by
         * {@link #jitter()}. A {@code Retry-After} on 429 or 503 replaces the wait.
         */
        @WithDefault("5s,30s,2m,10m,30m,2h,5h,10h")
        List<Duration> backoff();

        /** Share of a wait added or taken at random (0 to 0.5), so that retries of one outage spread out. */
        @WithDefault("0.2")
        double jitter();

        /** How long after it fired a firing is retried before it goes to {@code segflow.triggers.dead}. */
        @WithDefault("24h")
        Duration deadline();

        /** The longest wait for an endpoint's answer; a call that takes longer is a failed attempt. */
        @WithDefault("10s")
        Duration timeout();

        /** How often the owned shards' schedules are read for due delays and retries (≤ 1 s keeps delays exact). */
        @WithDefault("100ms")
        Duration pollInterval();

        /** Due firings taken per shard and poll. */
        @WithDefault("500")
        int claimBatch();

        /** Calls in flight per endpoint (scheme, host, port); more wait in the schedule, others are not held up. */
        @WithDefault("16")
        int concurrencyPerEndpoint();

        /** Failed attempts in a row after which an endpoint's breaker opens. */
        @WithDefault("5")
        int breakerFailures();

        /** How long an open breaker keeps firings for its endpoint in the schedule before one attempt is let through. */
        @WithDefault("30s")
        Duration breakerOpenFor();

        /**
         * How long a stop (SIGTERM) waits for the calls in flight to be answered, from 0 to 20 s. No new call starts
         * once the stop begins; calls still unanswered then are cut short, and they and the firings that were waiting
         * for a call are made due at once for the partition's next owner, which attempts them again (same
         * {@code webhook-id}). At most 20 s: with the rest of the stop it stays within Kubernetes' 30 s grace period.
         */
        @WithDefault("3s")
        Duration stopWait();
    }

    /**
     * Redis replicates asynchronously: a master that fails over to a replica a few writes behind forgets firings
     * whose changes trigger-function had already committed, and nothing would fire them again. With {@code acks}
     * set, every batch of writes ends with {@code WAIT acks timeout} on its connection, so that a consumed batch
     * completes only once that many replicas hold its firings (or the timeout passed).
     */
    interface RedisReplicas {
        /** Replicas that must acknowledge a batch's writes (the master's replica count, usually 1); 0 waits for none. */
        @WithDefault("0")
        int acks();

        /**
         * The longest wait for them, under the batch's 10 s command timeout. A batch that waited this long goes on
         * all the same, so that a replica down does not stop the firings: counted in
         * {@code segflow_trigger_replica_wait_timeouts_total} and logged, and the next 10 s of batches do not wait.
         */
        @WithDefault("1s")
        Duration timeout();
    }

    interface Endpoints {
        /** Lets actions call loopback, private and link-local addresses; the local stack and dev mode set it. */
        @WithDefault("false")
        boolean allowPrivate();

        /** Internal address ranges (CIDR, e.g. {@code 10.8.0.0/16}) actions may call all the same. */
        Optional<List<String>> allow();
    }
}
