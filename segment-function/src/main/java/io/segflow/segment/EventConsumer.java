package io.segflow.segment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.segflow.core.event.Event;
import io.segflow.core.json.Json;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes {@code segflow.events} in batches. A batch is split by user: each user's events run in order on
 * its own virtual thread, users run side by side, so Redis round trips of different users overlap. The
 * batch's offsets are committed only after every change it caused is acknowledged; a redelivery is
 * recognised by the offset each user's profile keeps, so it counts once.
 */
@ApplicationScoped
public class EventConsumer {
    private static final Logger LOG = Logger.getLogger(EventConsumer.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final EventProcessor processor;
    private final SegmentCatalog catalog;
    private final ChangePublisher changes;
    private final Timer latency;
    private final DistributionSummary batchSize;
    private final Counter unreadable;
    private final UserTasks users;

    EventConsumer(EventProcessor processor, SegmentCatalog catalog, ChangePublisher changes, UserTasks users, MeterRegistry metrics) {
        this.users = users;
        this.processor = processor;
        this.catalog = catalog;
        this.changes = changes;
        this.latency = metrics.timer("segflow.event.processing");
        this.batchSize = metrics.summary("segflow.events.batch.size");
        this.unreadable = metrics.counter("segflow.events.unreadable");
    }

    @Incoming("events")
    @Blocking
    public void consume(ConsumerRecords<String, String> records) throws Exception {
        batchSize.record(records.count());
        catalog.refresh();
        Map<String, List<Positioned>> byUser = new LinkedHashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            Positioned event = read(record);
            if (event != null) {
                byUser.computeIfAbsent(event.event().profileKey(), user -> new ArrayList<>()).add(event);
            }
        }
        List<Callable<Void>> perUser = new ArrayList<>(byUser.size());
        for (List<Positioned> events : byUser.values()) {
            perUser.add(() -> {
                for (Positioned event : events) {
                    processUntilDone(event);
                }
                return null;
            });
        }
        List<Throwable> failures = users.runAll(perUser);
        if (!failures.isEmpty()) {
            // Only an interrupt gets here (processing retries until done): fail the batch, it is redelivered.
            throw new IllegalStateException("batch interrupted", failures.get(0));
        }
    }

    private record Positioned(Event event, ProfileStore.Position position) {
    }

    private Positioned read(ConsumerRecord<String, String> record) {
        try {
            Event event = Json.read(record.value(), Event.class);
            if (event != null && event.profileKey() != null && event.messageId() != null) {
                return new Positioned(event, new ProfileStore.Position(record.partition(), record.offset()));
            }
        } catch (UncheckedIOException | IllegalArgumentException e) {
            LOG.warnf("Skipping an unreadable record at %s-%d@%d: %s", record.topic(), record.partition(), record.offset(), e.getMessage());
        }
        // Ingest validates every event, so this is a foreign producer's record: count it, never stop the partition on it.
        unreadable.increment();
        return null;
    }

    /** Redis or Kafka down: hold this user (and so the batch) and retry, never drop the event. */
    private void processUntilDone(Positioned positioned) throws InterruptedException {
        Duration backoff = Duration.ofMillis(100);
        while (true) {
            try {
                long start = System.nanoTime();
                changes.deliver(processor.process(positioned.event(), positioned.position()));
                latency.record(Duration.ofNanos(System.nanoTime() - start));
                return;
            } catch (RuntimeException e) {
                LOG.warnf("Processing event %s failed, retrying in %d ms: %s", positioned.event().messageId(), backoff.toMillis(), e.getMessage());
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }
}
