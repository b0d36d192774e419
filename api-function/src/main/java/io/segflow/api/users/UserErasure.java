package io.segflow.api.users;

import io.segflow.api.ApiException;
import io.segflow.api.push.PushHub;
import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Requests a user's erasure (GDPR). The owner of the user's partition of {@code segflow.events} keeps the user in
 * memory and would write back whatever was deleted behind it, so the request goes the way the user's events go: an
 * {@code erase} record keyed by the user. segment-function then erases the user in order with its events (record,
 * wake, registry entry, member indexes) and publishes an {@code exited} change per membership.
 */
@ApplicationScoped
public class UserErasure {
    private static final Logger LOG = Logger.getLogger(UserErasure.class);
    public static final String ACCEPTED = "accepted";

    /** What the request will erase: the memberships the user had when it was made. */
    @Schema(name = "ErasureAccepted")
    public record Accepted(String userId, List<String> exitedSegments, String status) {
    }

    private final UserState state;
    private final PushHub hub;
    private final MutinyEmitter<byte[]> events;

    UserErasure(UserState state, PushHub hub, @Channel("erasures") MutinyEmitter<byte[]> events) {
        this.state = state;
        this.hub = hub;
        this.events = events;
    }

    /** Returns once the broker has the request; segment-function carries it out after the user's earlier events. */
    public Accepted erase(String userId) {
        // Read before the request is on its way: afterwards segment-function may already have erased them.
        List<String> segments = List.copyOf(state.memberships(userId).sorted().keySet());
        Event request = Event.erasure(userId, "erase-" + UUID.randomUUID(), Instant.now());
        try {
            events.sendMessageAndAwait(Message.of(EventRecords.write(request))
                    .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(userId).build()));
        } catch (RuntimeException e) {
            LOG.warnf(e, "the erasure request of a user was not acknowledged");
            throw ApiException.unavailable("userId", "the erasure request could not be queued; retry later");
        }
        hub.closeAll(userId);
        return new Accepted(userId, segments, ACCEPTED);
    }
}
