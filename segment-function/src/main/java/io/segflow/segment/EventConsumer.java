package io.segflow.segment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.segflow.core.event.Event;
import io.segflow.core.json.Json;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes {@code segflow.events} in partition order and publishes membership changes. An event's offset is
 * committed only after its changes are acknowledged; a redelivery is recognised by the offset the user's
 * profile keeps, so it counts once.
 */
@ApplicationScoped
public class EventConsumer {
    private static final Logger LOG = Logger.getLogger(EventConsumer.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final EventProcessor processor;
    private final ChangePublisher changes;
    private final Timer latency;
    private final Counter unreadable;

    EventConsumer(EventProcessor processor, ChangePublisher changes, MeterRegistry metrics) {
        this.processor = processor;
        this.changes = changes;
        this.latency = metrics.timer("segflow.event.processing");
        this.unreadable = metrics.counter("segflow.events.unreadable");
    }

    @Incoming("events")
    @Blocking
    public void consume(ConsumerRecord<String, String> record) throws InterruptedException {
        Event event;
        try {
            event = Json.read(record.value(), Event.class);
        } catch (UncheckedIOException | IllegalArgumentException e) {
            // Ingest validates every event, so this is a foreign producer's record: count it, never stop the partition on it.
            unreadable.increment();
            LOG.warnf("Skipping an unreadable record at %s-%d@%d: %s", record.topic(), record.partition(), record.offset(), e.getMessage());
            return;
        }
        if (event == null || event.profileKey() == null || event.messageId() == null) {
            unreadable.increment();
            return;
        }
        ProfileStore.Position position = new ProfileStore.Position(record.partition(), record.offset());
        Duration backoff = Duration.ofMillis(100);
        while (true) {
            try {
                latency.record(() -> changes.publish(processor.process(event, position)));
                return;
            } catch (RuntimeException e) {
                // Redis or Kafka is down: hold this partition and retry, never drop the event.
                LOG.warnf("Processing event %s failed, retrying in %d ms: %s", event.messageId(), backoff.toMillis(), e.getMessage());
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }
}
