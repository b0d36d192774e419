package io.segflow.segment.consume;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** The engine loop's meters (names in docs/operations.md). */
final class EngineMetrics {
    final Counter processed;
    final Counter unreadable;
    final Counter unreadableRecords;
    final Counter deadLettered;
    final Counter published;
    final Counter resets;
    final Counter fenced;
    final Counter backfilled;
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

    EngineMetrics(MeterRegistry metrics) {
        processed = metrics.counter("segflow.events.processed");
        unreadable = metrics.counter("segflow.events.unreadable");
        unreadableRecords = metrics.counter("segflow.user.records.unreadable");
        deadLettered = metrics.counter("segflow.events.dead.lettered");
        published = metrics.counter("segflow.changes.published");
        resets = metrics.counter("segflow.engine.resets");
        fenced = metrics.counter("segflow.partitions.fenced");
        backfilled = metrics.counter("segflow.backfill.users");
        duplicates = metrics.counter("segflow.events.duplicates");
        evaluationErrors = metrics.counter("segflow.rule.evaluation.errors");
        round = metrics.timer("segflow.round.duration");
        lateness = metrics.timer("segflow.time.flip.lateness");
        membershipLatency = Timer.builder("segflow.event.membership.latency")
                .description("From ingest receiving an event to its memberships being stored")
                .serviceLevelObjectives(Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(100),
                        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5))
                .register(metrics);
        pollStage = metrics.timer("segflow.round.stage", "stage", "poll");
        applyStage = metrics.timer("segflow.round.stage", "stage", "apply");
        flushStage = metrics.timer("segflow.round.stage", "stage", "flush");
        publishStage = metrics.timer("segflow.round.stage", "stage", "publish");
    }
}
