package io.segflow.segment;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Publishes a user's change records to {@code segflow.segment-changes}, keyed by user, waits for the acks,
 * then removes them from the user's outbox. A crash in between publishes them again: delivery is at least
 * once, and a record is identified by its user and version.
 */
@ApplicationScoped
public class ChangePublisher {
    private final MutinyEmitter<Record<String, String>> changes;
    private final ProfileStore profiles;

    ChangePublisher(@Channel("segment-changes") MutinyEmitter<Record<String, String>> changes, ProfileStore profiles) {
        this.changes = changes;
        this.profiles = profiles;
    }

    public void deliver(EventProcessor.Delivery delivery) {
        if (delivery.records().isEmpty()) {
            return;
        }
        Uni.join().all(delivery.records().stream()
                        .map(record -> changes.send(Record.of(delivery.user(), record)))
                        .toList())
                .andFailFast()
                .await().indefinitely();
        profiles.acknowledge(delivery.user(), delivery.records());
    }
}
