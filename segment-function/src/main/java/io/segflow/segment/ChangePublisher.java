package io.segflow.segment;

import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Channel;

/** Publishes membership changes to {@code segflow.segment-changes}, keyed by user, and waits for the acks. */
@ApplicationScoped
public class ChangePublisher {
    private final MutinyEmitter<Record<String, String>> changes;

    ChangePublisher(@Channel("segment-changes") MutinyEmitter<Record<String, String>> changes) {
        this.changes = changes;
    }

    public void publish(List<SegmentChange> segmentChanges) {
        if (segmentChanges.isEmpty()) {
            return;
        }
        Uni.join().all(segmentChanges.stream()
                        .map(change -> changes.send(Record.of(change.userId(), Json.write(change))))
                        .toList())
                .andFailFast()
                .await().indefinitely();
    }
}
