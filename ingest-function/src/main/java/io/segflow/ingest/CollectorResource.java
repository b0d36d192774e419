package io.segflow.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.api.ErrorBody;
import io.segflow.core.event.Event;
import io.segflow.core.event.EventType;
import io.segflow.core.event.InvalidEventException;
import io.segflow.core.event.SegmentCallParser;
import io.segflow.core.event.SegmentCallParser.BatchDefaults;
import io.segflow.core.json.Json;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/** The Segment HTTP tracking API: {@code POST /v1/<call>}; answers 200 only once Kafka holds every event. */
@Path("/v1")
public class CollectorResource {
    private static final Logger LOG = Logger.getLogger(CollectorResource.class);
    /** Segment's call names and the short paths analytics.js posts to; null marks a batch. */
    private static final Map<String, Optional<EventType>> CALLS = Map.ofEntries(
            Map.entry("identify", Optional.of(EventType.IDENTIFY)), Map.entry("i", Optional.of(EventType.IDENTIFY)),
            Map.entry("track", Optional.of(EventType.TRACK)), Map.entry("t", Optional.of(EventType.TRACK)),
            Map.entry("page", Optional.of(EventType.PAGE)), Map.entry("p", Optional.of(EventType.PAGE)),
            Map.entry("screen", Optional.of(EventType.SCREEN)), Map.entry("s", Optional.of(EventType.SCREEN)),
            Map.entry("group", Optional.of(EventType.GROUP)), Map.entry("g", Optional.of(EventType.GROUP)),
            Map.entry("alias", Optional.of(EventType.ALIAS)), Map.entry("a", Optional.of(EventType.ALIAS)),
            Map.entry("batch", Optional.empty()), Map.entry("b", Optional.empty()), Map.entry("import", Optional.empty()));
    private static final String SUCCESS = "{\"success\":true}";

    private final WriteKeys writeKeys;
    private final EventPublisher publisher;

    CollectorResource(WriteKeys writeKeys, EventPublisher publisher) {
        this.writeKeys = writeKeys;
        this.publisher = publisher;
    }

    @POST
    @Path("{call}")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> collect(@PathParam("call") String call,
                                 @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                                 byte[] body) {
        Instant receivedAt = Instant.now();
        Optional<EventType> type = CALLS.get(call);
        if (type == null) {
            return answer(Response.Status.NOT_FOUND, ErrorBody.of("unknown_call", "path", "no such call: /v1/" + call));
        }
        JsonNode json;
        try {
            json = body == null || body.length == 0 ? null : Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            return answer(Response.Status.BAD_REQUEST, ErrorBody.of("malformed_json", "$", e.getOriginalMessage()));
        } catch (IOException e) {
            return answer(Response.Status.BAD_REQUEST, ErrorBody.of("malformed_json", "$", "unreadable body"));
        }
        if (json == null || !json.isObject()) {
            return answer(Response.Status.BAD_REQUEST, ErrorBody.of("invalid_event", "$", "body must be a JSON object"));
        }
        Optional<String> source = WriteKeys.fromBasicAuth(authorization)
                .or(() -> Optional.ofNullable(json.get("writeKey")).filter(JsonNode::isTextual).map(JsonNode::asText))
                .flatMap(writeKeys::sourceOf);
        if (source.isEmpty()) {
            return answer(Response.Status.UNAUTHORIZED,
                    ErrorBody.of("unauthorized", "writeKey", "a known write key is required (HTTP Basic user name or writeKey)"));
        }
        List<Event> events;
        try {
            events = type.isPresent()
                    ? List.of(SegmentCallParser.parse(json, type.get(), BatchDefaults.NONE, receivedAt, source.get()))
                    : batchItems(json, receivedAt, source.get());
        } catch (InvalidEventException e) {
            return answer(Response.Status.BAD_REQUEST, ErrorBody.of("invalid_event", e.field(), e.reason()));
        }
        return publisher.publish(events)
                .map(ignored -> Response.ok(SUCCESS, MediaType.APPLICATION_JSON_TYPE).build())
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("Kafka did not acknowledge %d events: %s", events.size(), failure.getMessage());
                    return Response.status(Response.Status.SERVICE_UNAVAILABLE)
                            .header(HttpHeaders.RETRY_AFTER, "5")
                            .entity(ErrorBody.of("unavailable", null, "events could not be stored; retry"))
                            .type(MediaType.APPLICATION_JSON_TYPE)
                            .build();
                });
    }

    private static List<Event> batchItems(JsonNode json, Instant receivedAt, String source) {
        JsonNode batch = json.get("batch");
        if (batch == null || !batch.isArray()) {
            throw new InvalidEventException("batch", "must be an array of calls");
        }
        BatchDefaults defaults = BatchDefaults.of(json);
        List<Event> events = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            try {
                events.add(SegmentCallParser.parse(batch.get(i), null, defaults, receivedAt, source));
            } catch (InvalidEventException e) {
                throw e.under("batch[" + i + "]");
            }
        }
        return events;
    }

    private static Uni<Response> answer(Response.Status status, ErrorBody error) {
        return Uni.createFrom().item(Response.status(status).entity(error).type(MediaType.APPLICATION_JSON_TYPE).build());
    }
}
