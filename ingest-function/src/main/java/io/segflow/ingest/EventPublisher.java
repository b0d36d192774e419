package io.segflow.ingest;

import io.segflow.core.Topics;
import io.segflow.core.event.Event;
import io.segflow.core.json.Json;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/** Writes events to {@value Topics#EVENTS}, keyed by profile key; completes only once the broker acknowledged all. */
@ApplicationScoped
public class EventPublisher {

    @Channel("events")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 16_384)
    MutinyEmitter<String> events;

    public Uni<Void> publish(List<Event> batch) {
        List<Uni<Void>> acks = batch.stream().map(this::send).toList();
        return Uni.join().all(acks).andCollectFailures().replaceWithVoid();
    }

    private Uni<Void> send(Event event) {
        Message<String> message = Message.of(Json.write(event))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(event.profileKey()).build());
        return events.sendMessage(message);
    }
}
