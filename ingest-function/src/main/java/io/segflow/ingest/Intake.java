package io.segflow.ingest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.segflow.core.event.ParsedCalls;
import io.segflow.core.event.RejectedEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
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
        // The room is freed when Kafka answered (or gave up) for every record, however long that takes; the answer
        // may stop waiting earlier. The Uni gets a copy, so that its timeout cannot cancel the write itself.
        CompletableFuture<Void> written = publisher.publish(calls.accepted(), refused);
        written.whenComplete((ignored, failure) -> inFlight.release(records));
        Executor requestContext = requestContext();
        return Uni.createFrom().completionStage(written.copy())
                .ifNoItem().after(config.ackTimeout()).fail()
                .emitOn(requestContext)
                .map(ignored -> answer(calls))
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("Kafka did not acknowledge %d records from %s: %s", records, origin.source(), failure.toString());
                    return Answer.retryLater(Response.Status.SERVICE_UNAVAILABLE, "unavailable",
                            "events could not be stored; retry", config.unavailableRetryAfter());
                });
    }

    /** The answer is written on the request's Vert.x context, not on the producer's I/O thread. */
    private static Executor requestContext() {
        io.vertx.core.Context context = Vertx.currentContext();
        return context == null ? Runnable::run : task -> context.runOnContext(ignored -> task.run());
    }

    private static Response answer(ParsedCalls calls) {
        if (calls.accepted().isEmpty() && !calls.rejected().isEmpty()) {
            return Answer.allRejected(calls.rejected());
        }
        return Answer.ok(calls.rejected());
    }
}
