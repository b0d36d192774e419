package io.segflow.trigger;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Map;
import java.util.Optional;

/** Settings of trigger-function, all under {@code segflow.trigger}; checked at startup (see {@link SeenPartitions}). */
@ConfigMapping(prefix = "segflow.trigger")
public interface TriggerConfig {

    Dedupe dedupe();

    /**
     * Static consumer-group member id of this instance (env {@code SEGFLOW_INSTANCE_ID}; the pod name): a restarted
     * instance rejoins as the same member and keeps its partitions. Unset, a restart after a crash waits for the
     * dead member's session to time out before the partitions are consumed again. See {@link StaticMembership}.
     */
    Optional<String> instanceId();

    /**
     * Kafka producer properties of the trigger producer, as {@code segflow.trigger.producer.<property>} (e.g.
     * {@code segflow.trigger.producer.linger.ms}). On top of the {@code kafka.*} client settings (bootstrap
     * servers, security) and {@link TriggerProducer#DEFAULTS} ({@code acks=all}, idempotent, {@code linger.ms=5},
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
}
