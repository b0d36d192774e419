package io.segflow.ingest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segflow.core.event.ParsedCalls;
import io.segflow.core.event.RejectedEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * What every ingest endpoint does with the calls of an authenticated request: admit them (429 beyond the in-flight
 * bound), write the valid ones and the refused ones to Kafka, and answer only once the broker acknowledged all of them
 * (503 when it did not in time) - so a 200 never stands for an event that is not on the broker.
 */
@ApplicationScoped
public class Intake {
    private static final Logger LOG = Logger.getLogger(Intake.class);

    /** Where a request came from, for the dead-letter records of its refused calls. */
    public record Origin(String endpoint, String source, Instant receivedAt, ObjectNode envelope) {
    }

    private final EventPublisher publisher;
    private final InFlightEvents inFlight;
    private final IngestConfig config;

    Intake(EventPublisher publisher, InFlightEvents inFlight, IngestConfig config) {
        this.publisher = publisher;
        this.inFlight = inFlight;
        this.config = config;
    }

    public Uni<Response> accept(Origin origin, ParsedCalls calls) {
        int records = calls.size();
        if (!inFlight.tryAcquire(records)) {
            return Uni.createFrom().item(Answer.retryLater(Response.Status.TOO_MANY_REQUESTS, "overloaded",
                    "too many events are waiting for Kafka; retry", config.overloadRetryAfter()));
        }
        List<RejectedEvent> refused = calls.rejected().stream()
                .map(r -> RejectedEvent.of(r, origin.source(), origin.endpoint(), origin.receivedAt(), origin.envelope()))
                .toList();
        // One subscription does the writing and frees the room when Kafka answered (or gave up), however long that
        // takes; the answer may stop waiting earlier.
        Uni<Void> written = publisher.publish(calls.accepted(), refused)
                .onTermination().invoke(() -> inFlight.release(records))
                .memoize().indefinitely();
        written.subscribe().with(ignored -> { }, failure -> { });
        return written
                .ifNoItem().after(config.ackTimeout()).fail()
                .map(ignored -> answer(calls))
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("Kafka did not acknowledge %d records from %s: %s", records, origin.source(), failure.toString());
                    return Answer.retryLater(Response.Status.SERVICE_UNAVAILABLE, "unavailable",
                            "events could not be stored; retry", config.unavailableRetryAfter());
                });
    }

    private static Response answer(ParsedCalls calls) {
        if (calls.accepted().isEmpty() && !calls.rejected().isEmpty()) {
            return Answer.allRejected(calls.rejected());
        }
        return Answer.ok(calls.rejected());
    }
}
