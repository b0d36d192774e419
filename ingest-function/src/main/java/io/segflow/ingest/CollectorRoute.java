package io.segflow.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.segflow.core.event.EventType;
import io.segflow.core.event.InvalidEventException;
import io.segflow.core.event.ParsedCalls;
import io.segflow.core.event.SegmentCallParser;
import io.segflow.core.event.SegmentCallParser.BatchDefaults;
import io.segflow.core.event.SegmentRequest;
import io.segflow.core.event.SegmentRequestReader;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The Segment HTTP tracking API: {@code POST /v1/<call>}. The body is JSON whatever its content type says (analytics.js
 * sends text/plain to avoid a CORS preflight; some SDKs send gzip as form-urlencoded). Decoding and parsing happen on
 * the event loop (CPU only); the answer waits for Kafka without blocking it.
 *
 * <p>A Vert.x route rather than a JAX-RS resource: this is ingest's hot path, and the REST layer's per-request
 * machinery (blocking-input body collection, request context, entity writers) was a fifth of ingest's CPU under
 * batch load. CORS, the declared-length check ({@link RequestSizeLimit}), traces and HTTP metrics live at the Vert.x
 * level and apply here as to any route; what fails there is answered in JSON by {@link FailureAnswers}.
 */
@ApplicationScoped
public class CollectorRoute {
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

    CollectorRoute(WriteKeys writeKeys, Intake intake) {
        this.writeKeys = writeKeys;
        this.intake = intake;
    }

    /** The paths of Segment's calls ({@code /v1/track}, {@code /v1/t}, ...), all of them POSTed. */
    static Set<String> callPaths() {
        return CALLS.keySet().stream().map(call -> "/v1/" + call).collect(Collectors.toUnmodifiableSet());
    }

    void install(@Observes Router router) {
        router.post("/v1/:call").handler(context -> RouteAnswers.afterBody(context, body -> answer(context, body)));
    }

    /** @param sent the body as sent: any content type is read as JSON, once its Content-Encoding is undone */
    private Uni<Response> answer(RoutingContext context, byte[] sent) {
        Instant receivedAt = Instant.now();
        String call = context.pathParam("call");
        Optional<EventType> type = CALLS.get(call);
        if (type == null) {
            return now(Answer.unknownCall("/v1/" + call));
        }
        boolean batch = type.isEmpty();
        SegmentRequest request;
        try {
            byte[] body = RequestBody.decoded(context.request().getHeader(HttpHeaders.CONTENT_ENCODING), sent);
            request = SegmentRequestReader.read(body, batch);
        } catch (RequestBody.Refused e) {
            return now(e.answer());
        } catch (JsonProcessingException e) {
            return now(Answer.malformedJson(e));
        } catch (IOException e) {
            return now(Answer.error(Response.Status.BAD_REQUEST, "malformed_json", "$", "unreadable body"));
        } catch (InvalidEventException e) {
            return now(Answer.invalid(e.field(), e.reason()));
        }
        Optional<String> source = WriteKeys.fromBasicAuth(context.request().getHeader(HttpHeaders.AUTHORIZATION))
                .or(() -> Optional.ofNullable(request.writeKey()))
                .flatMap(writeKeys::sourceOf);
        if (source.isEmpty()) {
            return now(WriteKeys.unauthorized());
        }
        ParsedCalls calls;
        try {
            BatchDefaults defaults = (batch ? BatchDefaults.of(request.envelope()) : BatchDefaults.NONE)
                    .withClientIp(clientIp(context));
            calls = SegmentCallParser.parseAll(request.calls(), type.orElse(null), defaults, receivedAt, source.get());
        } catch (InvalidEventException e) {
            return now(Answer.invalid(e.field(), e.reason()));
        }
        return intake.accept(new Intake.Origin("/v1/" + call, source.get(), receivedAt, request.envelope()), calls);
    }

    /** The caller's address; behind a proxy it is the X-Forwarded-For client when quarkus.http.proxy trusts the proxy. */
    private static String clientIp(RoutingContext context) {
        SocketAddress address = context.request().remoteAddress();
        return address == null ? null : address.hostAddress();
    }

    private static Uni<Response> now(Response response) {
        return Uni.createFrom().item(response);
    }
}
