package io.segflow.segment.schedule;

import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.segflow.core.state.UserRecord;
import io.segflow.segment.apply.PartitionBatch;
import io.segflow.segment.apply.Round;
import io.segflow.segment.apply.UserProcessor;
import io.segflow.segment.publish.ChangeTracing;
import io.segflow.segment.store.PartitionStore;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Time-driven flips: the users whose wake is due in the owned partitions' schedules (one read per partition, one
 * pipeline), re-evaluated as of the round's instant. Their next wakes are set by the processor. A user whose wake
 * was set by a traced event (or flip) gets a trace of its own, linked to that one.
 */
public final class DueWakes {
    private final PartitionStore store;
    private final UserProcessor processor;
    private final ChangeTracing tracing;
    private final Timer lateness;
    private final WakeTraces wakeTraces;

    public DueWakes(PartitionStore store, UserProcessor processor, ChangeTracing tracing, Timer lateness,
                    WakeTraces wakeTraces) {
        this.store = store;
        this.processor = processor;
        this.tracing = tracing;
        this.lateness = lateness;
        this.wakeTraces = wakeTraces;
    }

    /**
     * Re-evaluates at most {@code perPartition} due users of each owned partition, the earliest due first. Answers
     * whether a partition had that many: more may be due now.
     */
    public boolean run(Round round, Collection<Integer> ownedPartitions, int perPartition) {
        if (ownedPartitions.isEmpty()) {
            return false;
        }
        Map<Integer, List<PartitionStore.Due>> due = store.due(List.copyOf(ownedPartitions), round.now, perPartition);
        if (due.isEmpty()) {
            return false;
        }
        Map<Integer, List<String>> users = new HashMap<>();
        due.forEach((partition, entries) -> users.put(partition, entries.stream().map(PartitionStore.Due::user).toList()));
        round.load(users);
        Span[] wave = {null}; // the users whose wake's origin is unknown share one span
        due.forEach((partition, entries) -> {
            PartitionBatch batch = round.batch(partition);
            for (PartitionStore.Due entry : entries) {
                UserRecord record = round.record(batch, entry.user());
                if (round.created.contains(entry.user())) {
                    batch.removeWake(entry.user()); // no record (erased): its wake outlived it
                    continue;
                }
                SpanContext scheduler = wakeTraces.take(entry.user());
                Span span;
                if (scheduler != null) {
                    span = tracing.startTimeFlip(scheduler);
                    round.spans.add(span);
                } else {
                    if (wave[0] == null) {
                        wave[0] = tracing.startTimeFlips(due.values().stream().mapToInt(List::size).sum());
                        round.spans.add(wave[0]);
                    }
                    span = wave[0];
                }
                processor.onWake(batch, record, round.catalogOf(batch.partition()), round.now, span);
                lateness.record(Duration.ofMillis(Math.max(0, round.now - entry.dueMillis())));
            }
        });
        return due.values().stream().anyMatch(entries -> entries.size() >= perPartition);
    }
}
