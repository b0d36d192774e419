package io.segflow.trigger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.quarkus.runtime.Startup;
import io.segflow.core.Topics;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.membership.SegmentChangeJson;
import io.segflow.core.membership.TriggerRecord;
import io.segflow.core.trigger.Firing;
import io.segflow.trigger.fire.ChangeTriggers;
import io.segflow.trigger.fire.TriggerMetrics;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Writes one trigger record per segment change to {@code segflow.triggers}, a consumed batch at a time. Changes
 * published twice are dropped ({@link SeenVersions}); the batch's offsets are committed only once every trigger
 * record it produced is acknowledged, and the firings of trigger definitions on the changed segments are stored
 * ({@link ChangeTriggers}). Created at startup, so that its meters are exported (at 0) before the first change
 * arrives: a counter that appears with its first increments hides them from {@code rate()} and {@code increase()}.
 */
@ApplicationScoped
@Startup
public class TriggerRouter {
    private static final Logger LOG = Logger.getLogger(TriggerRouter.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /** How often a batch waiting for its acks looks whether the stop is over. */
    private static final Duration ACK_SLICE = Duration.ofMillis(100);

    private final SeenPartitions seen;
    private final TriggerProducer producer;
    private final TriggerTracing tracing;
    private final Counter fired;
    private final Counter duplicates;
    private final Counter unreadable;
    private final Timer consumed;
    private final Timer forwarded;
    private final Timer stored;
    /** The trigger definitions' side of a change; null where only the forwarding is exercised. */
    private final ChangeTriggers definitions;
    private final Stopping stopping;

    TriggerRouter(SeenPartitions seen, TriggerProducer producer, TriggerTracing tracing, MeterRegistry metrics) {
        this(seen, producer, tracing, metrics, null, new Stopping());
    }

    @Inject
    TriggerRouter(SeenPartitions seen, TriggerProducer producer, TriggerTracing tracing, MeterRegistry metrics,
                  ChangeTriggers definitions, Stopping stopping) {
        this.definitions = definitions;
        this.stopping = stopping;
        this.seen = seen;
        this.producer = producer;
        this.tracing = tracing;
        this.fired = Counter.builder("segflow.triggers.fired").description("Trigger records written to segflow.triggers")
                .register(metrics);
        this.duplicates = Counter.builder("segflow.segment-changes.duplicates")
                .description("Change records seen before (userId, version), dropped").register(metrics);
        this.unreadable = Counter.builder("segflow.segment-changes.unreadable")
                .description("Records of segflow.segment-changes that do not read as a change, skipped").register(metrics);
        this.consumed = TriggerMetrics.stage(metrics, "consume");
        this.forwarded = TriggerMetrics.stage(metrics, "forward");
        this.stored = TriggerMetrics.stage(metrics, "store");
    }

    /** Blocking: the method returns, and the batch's offsets become committable, only after every ack. */
    @Incoming("segment-changes")
    @Blocking
    public void onSegmentChanges(ConsumerRecords<String, byte[]> records) throws InterruptedException {
        stopping.handling();
        try {
            route(records);
        } finally {
            stopping.handled();
        }
    }

    private void route(ConsumerRecords<String, byte[]> records) throws InterruptedException {
        List<ProducerRecord<String, byte[]>> triggers = new ArrayList<>(records.count());
        List<Span> spans = new ArrayList<>();
        List<ChangeTriggers.Change> routed = new ArrayList<>(records.count());
        int repeated = 0;
        long read = System.currentTimeMillis();
        try {
            for (TopicPartition partition : records.partitions()) {
                SeenVersions versions = seen.of(partition);
                for (ConsumerRecord<String, byte[]> record : records.records(partition)) {
                    consumed.record(Math.max(0, read - record.timestamp()), TimeUnit.MILLISECONDS);
                    SegmentChange change = read(record);
                    if (change == null) {
                        continue;
                    }
                    if (change.isLastOfId()) {
                        // The id was merged into another user, or erased: nothing to trigger, its versions end here.
                        versions.firstSeen(change);
                        if (change.isErased()) {
                            // The erased user's trigger state is forgotten, after the exits before it.
                            routed.add(new ChangeTriggers.Change(partition.partition(), change, null));
                        }
                        continue;
                    }
                    if (versions.firstSeen(change)) {
                        Span span = tracing.start(record);
                        spans.add(span);
                        triggers.add(trigger(change, span));
                        routed.add(new ChangeTriggers.Change(partition.partition(), change, tracing.traceparent(span, record)));
                    } else {
                        repeated++;
                    }
                }
            }
            // The trigger records travel while the firings are stored and handed over: a firing does not wait
            // for the forwarding's acks, the batch (its offsets) does.
            long forwarding = System.nanoTime();
            TriggerProducer.Sending sending = producer.send(triggers);
            long storing = System.nanoTime();
            fireDefinitions(routed);
            stored.record(System.nanoTime() - storing, TimeUnit.NANOSECONDS);
            awaitAcknowledged(sending, triggers);
            forwarded.record(System.nanoTime() - forwarding, TimeUnit.NANOSECONDS);
        } catch (InterruptedException | RuntimeException e) {
            // The batch is nacked and will be read again: versions it recorded must not make it look seen.
            seen.forget(records.partitions());
            tracing.end(spans, e);
            throw e;
        }
        tracing.end(spans, null);
        duplicates.increment(repeated);
        fired.increment(triggers.size());
    }

    /**
     * The changes' trigger firings, stored in Redis before the batch completes (and its offsets become committable);
     * Redis unreachable: hold the batch and try again, as for Kafka. New firings then run at once.
     */
    private void fireDefinitions(List<ChangeTriggers.Change> routed) throws InterruptedException {
        if (definitions == null || routed.isEmpty()) {
            return;
        }
        Duration backoff = FIRST_BACKOFF;
        while (true) {
            try {
                // A batch with triggers learns of changed definitions in its own reads (onChanges); one without
                // reads them here, in case a trigger on its segments was just saved.
                if (noneHasTriggers(routed)) {
                    definitions.refresh();
                    if (noneHasTriggers(routed)) {
                        return;
                    }
                }
                List<Firing> runNow = new ArrayList<>();
                definitions.onChanges(routed, runNow);
                definitions.handOver(runNow);
                return;
            } catch (RuntimeException e) {
                if (stopping.now()) {
                    throw leftForNextOwner(routed.size(), e);
                }
                LOG.warnf("Storing the firings of %d changes failed, retrying in %d ms: %s", routed.size(), backoff.toMillis(), e.toString());
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /** A batch that failed while stopping: not committed, so the partition's next owner reads it again. */
    private static RuntimeException leftForNextOwner(int changes, RuntimeException failure) {
        LOG.infof("Stopping: a batch of %d changes is left to the partition's next owner (%s)", changes, failure.toString());
        return failure;
    }

    private boolean noneHasTriggers(List<ChangeTriggers.Change> routed) {
        return routed.stream().noneMatch(r -> definitions.needsRedis(r.change()));
    }

    private SegmentChange read(ConsumerRecord<String, byte[]> record) {
        try {
            if (record.value() != null) {
                SegmentChange change = SegmentChangeJson.read(record.value());
                if (change != null && change.userId() != null && change.change() != null
                        && (change.segmentId() != null || change.isLastOfId())) {
                    return change;
                }
            }
            LOG.warnf("Skipping an empty record or one without user, segment or change at %s-%d@%d",
                    record.topic(), record.partition(), record.offset());
        } catch (IOException e) {
            LOG.warnf("Skipping an unreadable record at %s-%d@%d: %s",
                    record.topic(), record.partition(), record.offset(), e.getMessage());
        }
        // A foreign producer's record: count it, never stop the partition on it.
        unreadable.increment();
        return null;
    }

    private ProducerRecord<String, byte[]> trigger(SegmentChange change, Span span) {
        RecordHeaders headers = new RecordHeaders();
        tracing.inject(span, headers);
        try {
            return new ProducerRecord<>(Topics.TRIGGERS, null, change.userId(),
                    TriggerJson.writeTrigger(TriggerRecord.fromSegmentChange(change)), headers);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // strings and an instant into memory: cannot fail
        }
    }

    /** Kafka refusing or unreachable: hold the batch and send it again (downstream deduplicates on the id). */
    private void awaitAcknowledged(TriggerProducer.Sending sending, List<ProducerRecord<String, byte[]>> triggers)
            throws InterruptedException {
        Duration backoff = FIRST_BACKOFF;
        while (true) {
            try {
                while (!sending.await(ACK_SLICE)) {
                    if (stopping.over()) {
                        throw leftForNextOwner(triggers.size(), new IllegalStateException("the broker did not acknowledge them before the stop"));
                    }
                }
                return;
            } catch (TriggerProducer.TriggerSendException e) {
                if (stopping.now()) {
                    throw leftForNextOwner(triggers.size(), e);
                }
                LOG.warnf("Sending %d trigger records failed, retrying in %d ms: %s", triggers.size(), backoff.toMillis(), e.getMessage());
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                sending = producer.send(triggers);
            }
        }
    }
}
