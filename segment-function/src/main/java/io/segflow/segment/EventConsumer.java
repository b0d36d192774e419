package io.segflow.segment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes {@code segflow.events} in batches. A batch is split by user and processed in waves — the k-th event
 * of every user — each wave going to Redis as a few pipelines (see {@link EventProcessor#processWave}), so one
 * user's events stay in order and thousands of users cost a handful of round trips. The batch's offsets are
 * committed only after every change it caused is acknowledged by Kafka, or stored in an outbox another drainer
 * holds (see {@link Outbox}); a redelivery is recognised by the offset each user's profile keeps, so it counts once.
 */
@ApplicationScoped
public class EventConsumer {
    private static final Logger LOG = Logger.getLogger(EventConsumer.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final EventProcessor processor;
    private final SegmentCatalog catalog;
    private final ChangePublisher changes;
    private final ChangeTracing tracing;
    /** Time of one wave, from its first pipeline to the acks of its changes. */
    private final Timer latency;
    private final DistributionSummary batchSize;
    private final Counter unreadable;

    EventConsumer(EventProcessor processor, SegmentCatalog catalog, ChangePublisher changes, ChangeTracing tracing,
                  MeterRegistry metrics) {
        this.processor = processor;
        this.tracing = tracing;
        this.catalog = catalog;
        this.changes = changes;
        this.latency = metrics.timer("segflow.wave.processing");
        this.batchSize = metrics.summary("segflow.events.batch.size");
        this.unreadable = metrics.counter("segflow.events.unreadable");
    }

    @Incoming("events")
    @Blocking
    public void consume(ConsumerRecords<String, String> records) throws InterruptedException {
        batchSize.record(records.count());
        catalog.refresh();
        Map<String, List<EventProcessor.Positioned>> byUser = new LinkedHashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            EventProcessor.Positioned event = read(record);
            if (event != null) {
                byUser.computeIfAbsent(event.event().profileKey(), user -> new ArrayList<>()).add(event);
            }
        }
        // Wave k holds the k-th event of every user: users side by side, each user's events in order.
        for (int k = 0; !byUser.isEmpty(); k++) {
            List<EventProcessor.Positioned> wave = new ArrayList<>(byUser.size());
            final int index = k;
            byUser.values().removeIf(events -> events.size() <= index);
            byUser.values().forEach(events -> wave.add(events.get(index)));
            if (!wave.isEmpty()) {
                processUntilDone(wave);
            }
        }
    }

    private EventProcessor.Positioned read(ConsumerRecord<String, String> record) {
        try {
            Event event = EventRecords.read(record.value());
            if (event != null && event.profileKey() != null && event.messageId() != null) {
                return new EventProcessor.Positioned(event, new ProfileStore.Position(record.partition(), record.offset()),
                        tracing.startProcessing(record));
            }
        } catch (UncheckedIOException | IllegalArgumentException e) {
            LOG.warnf("Skipping an unreadable record at %s-%d@%d: %s", record.topic(), record.partition(), record.offset(), e.getMessage());
        }
        // Ingest validates every event, so this is a foreign producer's record: count it, never stop the partition on it.
        unreadable.increment();
        return null;
    }

    /** Redis or Kafka down: hold the batch and retry the wave (applying twice counts once), never drop an event. */
    private void processUntilDone(List<EventProcessor.Positioned> wave) throws InterruptedException {
        Duration backoff = Duration.ofMillis(100);
        // One event per user in a wave: a user's changes carry the trace of the event that caused them.
        Map<String, Span> spans = new HashMap<>(wave.size() * 2);
        wave.forEach(positioned -> spans.put(positioned.event().profileKey(), positioned.span()));
        while (true) {
            try {
                long start = System.nanoTime();
                changes.deliverAll(processor.processWave(wave), user -> spans.getOrDefault(user, Span.getInvalid()));
                latency.record(Duration.ofNanos(System.nanoTime() - start));
                wave.forEach(positioned -> positioned.span().end());
                return;
            } catch (RuntimeException e) {
                wave.forEach(positioned -> positioned.span().recordException(e));
                LOG.warnf("Processing a wave of %d events failed, retrying in %d ms: %s", wave.size(), backoff.toMillis(), e.getMessage());
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }
}
