package io.segflow.ingest;

import io.opentelemetry.context.Context;
import io.segflow.core.Topics;
import io.segflow.core.event.Event;
import io.segflow.core.event.RejectedEvent;
import io.segflow.core.json.Json;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.TracingMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/**
 * Writes a request's events to {@value Topics#EVENTS} (keyed by profile key) and its rejected calls to
 * {@value Topics#EVENTS_REJECTED}, all handed to the producer at once so that they travel in the producer's
 * per-partition record batches; the result completes once the broker acknowledged every record.
 * The Kafka connector sends from its own thread: nothing here blocks the event loop.
 */
@ApplicationScoped
public class EventPublisher {

    @Channel("events")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 16_384)
    MutinyEmitter<String> events;

    @Channel("rejected")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 16_384)
    MutinyEmitter<String> rejected;

    public Uni<Void> publish(List<Event> accepted, List<RejectedEvent> refused) {
        if (accepted.isEmpty() && refused.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        // The request's trace continues in the records' traceparent header (sent from the connector's thread).
        TracingMetadata trace = TracingMetadata.withPrevious(Context.current());
        List<Uni<Void>> acks = new ArrayList<>(accepted.size() + refused.size());
        for (Event event : accepted) {
            acks.add(events.sendMessage(record(event.profileKey(), Json.write(event), trace)));
        }
        for (RejectedEvent rejection : refused) {
            acks.add(rejected.sendMessage(record(rejection.profileKey(), Json.write(rejection), trace)));
        }
        return Uni.join().all(acks).andCollectFailures().replaceWithVoid();
    }

    private static Message<String> record(String key, String value, TracingMetadata trace) {
        return Message.of(value)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build())
                .addMetadata(trace);
    }
}
