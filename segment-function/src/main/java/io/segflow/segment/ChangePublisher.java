package io.segflow.segment;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Publishes users' change records to {@code segflow.segment-changes}, keyed by user, waits for the acks, then
 * removes them from the users' outboxes. A crash in between publishes them again: delivery is at least once,
 * and a record is identified by its user and version.
 */
@ApplicationScoped
public class ChangePublisher {
    private final MutinyEmitter<Record<String, String>> changes;
    private final ProfileStore profiles;
    private final RedisPipeline pipeline;

    ChangePublisher(@Channel("segment-changes") MutinyEmitter<Record<String, String>> changes, ProfileStore profiles,
                    RedisPipeline pipeline) {
        this.changes = changes;
        this.profiles = profiles;
        this.pipeline = pipeline;
    }

    public void deliver(EventProcessor.Delivery delivery) {
        deliverAll(List.of(delivery));
    }

    public void deliverAll(List<EventProcessor.Delivery> deliveries) {
        List<Uni<Void>> sends = new ArrayList<>();
        List<Request> acknowledgements = new ArrayList<>();
        for (EventProcessor.Delivery delivery : deliveries) {
            if (delivery.records().isEmpty()) {
                continue;
            }
            delivery.records().forEach(record -> sends.add(changes.send(Record.of(delivery.user(), record))));
            acknowledgements.add(profiles.acknowledgeRequest(delivery.user(), delivery.records()));
        }
        if (sends.isEmpty()) {
            return;
        }
        Uni.join().all(sends).andFailFast().await().indefinitely();
        pipeline.run(acknowledgements, ProfileStore.ACK_OUTBOX);
    }
}
