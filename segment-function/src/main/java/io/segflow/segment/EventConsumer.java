package io.segflow.segment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.segflow.core.event.Event;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes {@code segflow.events} in partition order and publishes membership changes to
 * {@code segflow.segment-changes}. An event's offset is committed only after its changes are acknowledged.
 */
@ApplicationScoped
public class EventConsumer {
    private static final Logger LOG = Logger.getLogger(EventConsumer.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final EventProcessor processor;
    private final MutinyEmitter<Record<String, String>> changes;
    private final Timer latency;
    private final Counter unreadable;

    EventConsumer(EventProcessor processor, @Channel("segment-changes") MutinyEmitter<Record<String, String>> changes,
                  MeterRegistry metrics) {
        this.processor = processor;
        this.changes = changes;
        this.latency = metrics.timer("segflow.event.processing");
        this.unreadable = metrics.counter("segflow.events.unreadable");
    }

    @Incoming("events")
    @Blocking
    public void consume(String json) throws InterruptedException {
        Event event;
        try {
            event = Json.read(json, Event.class);
        } catch (UncheckedIOException e) {
            // Ingest validates every event, so this is a foreign producer's record: count it, never stop the partition on it.
            unreadable.increment();
            LOG.warnf("Skipping an unreadable record on segflow.events: %s", e.getMessage());
            return;
        }
        if (event.profileKey() == null) {
            unreadable.increment();
            return;
        }
        Duration backoff = Duration.ofMillis(100);
        while (true) {
            try {
                latency.record(() -> publish(processor.process(event)));
                return;
            } catch (RuntimeException e) {
                // Redis or Kafka is down: hold this partition and retry, never drop the event.
                LOG.warnf("Processing event %s failed, retrying in %d ms: %s", event.messageId(), backoff.toMillis(), e.getMessage());
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private void publish(java.util.List<SegmentChange> segmentChanges) {
        for (SegmentChange change : segmentChanges) {
            changes.sendAndAwait(Record.of(change.userId(), Json.write(change)));
        }
    }
}
