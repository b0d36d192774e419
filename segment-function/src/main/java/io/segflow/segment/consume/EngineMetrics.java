package io.segflow.segment.consume;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.segflow.segment.apply.UserProcessor.MergeStep;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/** The engine loop's meters (names in docs/operations.md). */
final class EngineMetrics {
    final Counter processed;
    final Counter unreadable;
    final Counter unreadableRecords;
    final Counter userReads;
    final Counter deadLettered;
    final Counter published;
    final Counter resets;
    final Counter catalogRewinds;
    final Counter fenced;
    final Counter backfilled;
    /** Backfill chunks by how they read their users: with the round's reads, or a read of their own. */
    final Counter backfillChunksReadAhead;
    final Counter backfillChunksReadThemselves;
    final Counter replayed;
    final Counter duplicates;
    final Counter evaluationErrors;
    final Timer round;
    final Timer lateness;
    /** The event-latency SLO's measure, a histogram with a bucket at 1 s. */
    final Timer membershipLatency;
    /** Where a round's time goes: waiting on Kafka or Redis, or computing. */
    final Timer pollStage;
    final Timer applyStage;
    final Timer flushStage;
    final Timer publishStage;
    /** Identity steps by outcome: requested, sent, merged, duplicate, refused_known_user, ... */
    final Map<MergeStep, Counter> identity = new EnumMap<>(MergeStep.class);

    EngineMetrics(MeterRegistry metrics) {
        processed = counter(metrics, "segflow.events.processed", "Events applied to their users");
        unreadable = counter(metrics, "segflow.events.unreadable", "Records of segflow.events that do not read as an event, skipped");
        unreadableRecords = counter(metrics, "segflow.user.records.unreadable",
                "Stored user records that did not decode: the user started again from an empty profile");
        userReads = counter(metrics, "segflow.engine.user.reads",
                "Users read from Redis because they were not in memory (evicted, or owned since): many mean a heap too small for the hot users");
        deadLettered = counter(metrics, "segflow.events.dead.lettered", "Events that kept failing, sent to the dead-letter topic");
        published = counter(metrics, "segflow.changes.published", "Change records acknowledged by Kafka");
        resets = counter(metrics, "segflow.engine.resets", "Failed rounds: the owned partitions were claimed again from Redis");
        catalogRewinds = counter(metrics, "segflow.engine.catalog.rewinds",
                "Rounds evaluated again because a segment was saved after the catalog they were evaluated against");
        fenced = counter(metrics, "segflow.partitions.fenced", "Flushes refused because another instance claimed the partition");
        backfilled = counter(metrics, "segflow.backfill.users", "Users caught up with a new segment catalog by its backfill");
        backfillChunksReadAhead = backfillChunks(metrics, "ahead");
        backfillChunksReadThemselves = backfillChunks(metrics, "own");
        replayed = counter(metrics, "segflow.history.replayed.events",
                "Past events read again from segflow.events and added to a profile's event properties a new catalog needs");
        duplicates = counter(metrics, "segflow.events.duplicates", "Events whose messageId was applied within the dedup window");
        evaluationErrors = counter(metrics, "segflow.rule.evaluation.errors", "Conditions that failed for a user, counted as false");
        round = Timer.builder("segflow.round.duration").description("One round of the engine loop").register(metrics);
        // Buckets around the 1 s an operator watches it against (docs/operations.md), so its p99 can be read.
        lateness = Timer.builder("segflow.time.flip.lateness").description("From a user's due wake to its re-evaluation")
                .serviceLevelObjectives(Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
                        Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30))
                .register(metrics);
        membershipLatency = Timer.builder("segflow.event.membership.latency")
                .description("From ingest receiving an event to its memberships being stored")
                .serviceLevelObjectives(Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(100),
                        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5))
                .register(metrics);
        pollStage = stage(metrics, "poll");
        applyStage = stage(metrics, "apply");
        flushStage = stage(metrics, "flush");
        publishStage = stage(metrics, "publish");
        for (MergeStep step : MergeStep.values()) {
            identity.put(step, Counter.builder("segflow.identity.merges").tag("step", step.tag())
                    .description("Identity merge steps by outcome (requested, sent, merged, refused, forwarded, ...)").register(metrics));
        }
    }

    private static Counter counter(MeterRegistry metrics, String name, String description) {
        return Counter.builder(name).description(description).register(metrics);
    }

    private static Counter backfillChunks(MeterRegistry metrics, String reads) {
        return Counter.builder("segflow.backfill.chunks").tag("reads", reads)
                .description("Backfill chunks: their users read with the round's reads (ahead), or by a read of their own (own)")
                .register(metrics);
    }

    private static Timer stage(MeterRegistry metrics, String stage) {
        return Timer.builder("segflow.round.stage").description("Where a round's time goes, by stage").tag("stage", stage)
                .register(metrics);
    }
}
