package io.segflow.ingest.cloudevents;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.segflow.core.event.InvalidEventException;
import io.segflow.core.event.ParsedCalls;
import io.segflow.core.event.RawCall;
import io.segflow.core.event.Rejection;
import io.segflow.core.event.SegmentCallParser;
import io.segflow.core.event.SegmentCallParser.BatchDefaults;
import io.segflow.ingest.Answer;
import io.segflow.ingest.Intake;
import io.segflow.ingest.IngestConfig;
import io.segflow.ingest.RequestBody;
import io.segflow.ingest.RouteAnswers;
import io.segflow.ingest.WriteKeys;
import io.smallrye.mutiny.Uni;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CloudEvents HTTP binding at {@code POST /}, where a Knative sink (broker trigger, KafkaSource, SinkBinding)
 * delivers: binary, structured and batched content modes. Each event is mapped to a Segment call
 * ({@link CloudEventMapping}) and then treated exactly like one: same validation, limits, answers and topics. A Vert.x
 * route like the collector, so that its body is read, limited and decoded the same way and every error is JSON.
 */
@ApplicationScoped
public class CloudEventsRoute {
    public static final String ENDPOINT = "/";

    private final WriteKeys writeKeys;
    private final Intake intake;
    private final Optional<String> trustedSource;

    CloudEventsRoute(WriteKeys writeKeys, Intake intake, IngestConfig config) {
        this.writeKeys = writeKeys;
        this.intake = intake;
        this.trustedSource = config.cloudevents().trustedSource();
    }

    void install(@Observes Router router) {
        router.post(ENDPOINT).handler(context ->
                RouteAnswers.afterBody(context, body -> receive(context.request().headers(), body)));
    }

    private Uni<Response> receive(MultiMap headers, byte[] body) {
        Instant receivedAt = Instant.now();
        Optional<String> source = sourceOf(headers.get(HttpHeaders.AUTHORIZATION));
        if (source.isEmpty()) {
            return now(WriteKeys.unauthorized());
        }
        List<CloudEvent> events;
        try {
            events = read(headers, RequestBody.decoded(headers.get(HttpHeaders.CONTENT_ENCODING), body));
        } catch (RequestBody.Refused e) {
            return now(e.answer());
        } catch (JsonProcessingException e) {
            return now(Answer.malformedJson(e));
        } catch (IOException e) {
            return now(Answer.error(Response.Status.BAD_REQUEST, "malformed_json", "$", "unreadable body"));
        } catch (InvalidEventException e) {
            return now(Answer.invalid(e.field(), e.reason()));
        }
        Uni<Response> answer = intake.accept(new Intake.Origin(ENDPOINT, source.get(), receivedAt, null),
                parse(events, receivedAt, source.get()));
        return isBatched(headers) ? answer : answer.map(CloudEventsRoute::withoutBodyWhenAccepted);
    }

    /**
     * A Knative broker or channel reads the body of a 200 as a reply event, and one that is not a CloudEvent as a
     * failed delivery (retried, then dead-lettered): an accepted event is answered with no body at all. A batched
     * request keeps its JSON answer, which lists the events refused.
     */
    private static Response withoutBodyWhenAccepted(Response answer) {
        return answer.getStatus() == Response.Status.OK.getStatusCode() ? Response.ok().build() : answer;
    }

    private static boolean isBatched(MultiMap headers) {
        return mediaTypeOf(headers).equals(CloudEventReader.BATCHED);
    }

    private static String mediaTypeOf(MultiMap headers) {
        String contentType = headers.get(HttpHeaders.CONTENT_TYPE);
        return contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase();
    }

    /**
     * A write key (HTTP Basic) names the source; without an {@code Authorization} header, the configured trusted
     * source, if any. A header that carries no known write key (another scheme, not Base64, an empty key) is refused.
     */
    private Optional<String> sourceOf(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return trustedSource;
        }
        return WriteKeys.fromBasicAuth(authorization).flatMap(writeKeys::sourceOf);
    }

    private static List<CloudEvent> read(MultiMap headers, byte[] body) throws IOException {
        String contentType = headers.get(HttpHeaders.CONTENT_TYPE);
        String mediaType = mediaTypeOf(headers);
        if (mediaType.equals(CloudEventReader.BATCHED)) {
            return CloudEventReader.batched(body);
        }
        if (mediaType.equals(CloudEventReader.STRUCTURED)) {
            return List.of(CloudEventReader.structured(body));
        }
        Map<String, String> single = new HashMap<>();
        headers.forEach(header -> single.putIfAbsent(header.getKey(), header.getValue()));
        return List.of(CloudEventReader.binary(single, contentType, body));
    }

    private static ParsedCalls parse(List<CloudEvent> events, Instant receivedAt, String source) {
        List<RawCall> calls = new ArrayList<>(events.size());
        List<Rejection> refused = new ArrayList<>(0);
        for (CloudEvent event : events) {
            try {
                calls.add(CloudEventMapping.toCall(event));
            } catch (InvalidEventException e) {
                refused.add(new Rejection(event.index(), e.field(), e.reason(), event.toJson()));
            }
        }
        ParsedCalls parsed = SegmentCallParser.parseAll(calls, null, BatchDefaults.NONE, receivedAt, source);
        if (refused.isEmpty()) {
            return parsed;
        }
        refused.addAll(parsed.rejected());
        refused.sort(Comparator.comparing(Rejection::index, Comparator.nullsFirst(Comparator.naturalOrder())));
        return new ParsedCalls(parsed.accepted(), refused);
    }

    private static Uni<Response> now(Response response) {
        return Uni.createFrom().item(response);
    }
}
