package io.segflow.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.segflow.core.event.EventType;
import io.segflow.core.event.InvalidEventException;
import io.segflow.core.event.ParsedCalls;
import io.segflow.core.event.SegmentCallParser;
import io.segflow.core.event.SegmentCallParser.BatchDefaults;
import io.segflow.core.event.SegmentLimits;
import io.segflow.core.event.SegmentRequest;
import io.segflow.core.event.SegmentRequestReader;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The Segment HTTP tracking API: {@code POST /v1/<call>}, any content type (analytics.js sends text/plain to avoid a
 * CORS preflight). Parsing happens on the event loop (CPU only); the answer waits for Kafka without blocking it.
 */
@Path("/v1")
public class CollectorResource {
    /** Segment's call names and the short paths analytics.js posts to; empty marks a batch. */
    private static final Map<String, Optional<EventType>> CALLS = Map.ofEntries(
            Map.entry("identify", Optional.of(EventType.IDENTIFY)), Map.entry("i", Optional.of(EventType.IDENTIFY)),
            Map.entry("track", Optional.of(EventType.TRACK)), Map.entry("t", Optional.of(EventType.TRACK)),
            Map.entry("page", Optional.of(EventType.PAGE)), Map.entry("p", Optional.of(EventType.PAGE)),
            Map.entry("screen", Optional.of(EventType.SCREEN)), Map.entry("s", Optional.of(EventType.SCREEN)),
            Map.entry("group", Optional.of(EventType.GROUP)), Map.entry("g", Optional.of(EventType.GROUP)),
            Map.entry("alias", Optional.of(EventType.ALIAS)), Map.entry("a", Optional.of(EventType.ALIAS)),
            Map.entry("batch", Optional.empty()), Map.entry("b", Optional.empty()), Map.entry("import", Optional.empty()));

    private final WriteKeys writeKeys;
    private final Intake intake;

    CollectorResource(WriteKeys writeKeys, Intake intake) {
        this.writeKeys = writeKeys;
        this.intake = intake;
    }

    @POST
    @Path("{call}")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> collect(@PathParam("call") String call,
                                 @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                                 @Context HttpServerRequest http,
                                 byte[] body) {
        Instant receivedAt = Instant.now();
        Optional<EventType> type = CALLS.get(call);
        if (type == null) {
            return now(Answer.error(Response.Status.NOT_FOUND, "unknown_call", "path", "no such call: /v1/" + call));
        }
        if (body != null && body.length > SegmentLimits.MAX_REQUEST_BYTES) {
            return now(RequestSizeLimit.tooLarge());
        }
        boolean batch = type.isEmpty();
        SegmentRequest request;
        try {
            request = SegmentRequestReader.read(body == null ? new byte[0] : body, batch);
        } catch (JsonProcessingException e) {
            return now(Answer.error(Response.Status.BAD_REQUEST, "malformed_json", "$", e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
        } catch (IOException e) {
            return now(Answer.error(Response.Status.BAD_REQUEST, "malformed_json", "$", "unreadable body"));
        } catch (InvalidEventException e) {
            return now(Answer.invalid(e.field(), e.reason()));
        }
        Optional<String> source = WriteKeys.fromBasicAuth(authorization)
                .or(() -> Optional.ofNullable(request.writeKey()))
                .flatMap(writeKeys::sourceOf);
        if (source.isEmpty()) {
            return now(WriteKeys.unauthorized());
        }
        ParsedCalls calls;
        try {
            BatchDefaults defaults = (batch ? BatchDefaults.of(request.envelope()) : BatchDefaults.NONE)
                    .withClientIp(clientIp(http));
            calls = SegmentCallParser.parseAll(request.calls(), type.orElse(null), defaults, receivedAt, source.get());
        } catch (InvalidEventException e) {
            return now(Answer.invalid(e.field(), e.reason()));
        }
        return intake.accept(new Intake.Origin("/v1/" + call, source.get(), receivedAt, request.envelope()), calls);
    }

    /** The caller's address; behind a proxy it is the X-Forwarded-For client when quarkus.http.proxy trusts the proxy. */
    private static String clientIp(HttpServerRequest http) {
        SocketAddress address = http == null ? null : http.remoteAddress();
        return address == null ? null : address.hostAddress();
    }

    private static Uni<Response> now(Response response) {
        return Uni.createFrom().item(response);
    }
}
