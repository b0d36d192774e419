package io.segflow.ingest.cloudevents;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.segflow.core.event.InvalidEventException;
import io.segflow.core.event.ParsedCalls;
import io.segflow.core.event.RawCall;
import io.segflow.core.event.Rejection;
import io.segflow.core.event.SegmentCallParser;
import io.segflow.core.event.SegmentCallParser.BatchDefaults;
import io.segflow.core.event.SegmentLimits;
import io.segflow.ingest.Answer;
import io.segflow.ingest.Intake;
import io.segflow.ingest.IngestConfig;
import io.segflow.ingest.RequestSizeLimit;
import io.segflow.ingest.WriteKeys;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
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
 * ({@link CloudEventMapping}) and then treated exactly like one: same validation, limits, answers and topics.
 */
@Path("/")
public class CloudEventsResource {
    private static final String ENDPOINT = "/";

    private final WriteKeys writeKeys;
    private final Intake intake;
    private final Optional<String> trustedSource;

    CloudEventsResource(WriteKeys writeKeys, Intake intake, IngestConfig config) {
        this.writeKeys = writeKeys;
        this.intake = intake;
        this.trustedSource = config.cloudevents().trustedSource();
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> receive(@Context HttpHeaders headers, byte[] body) {
        Instant receivedAt = Instant.now();
        Optional<String> source = sourceOf(headers.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (source.isEmpty()) {
            return now(WriteKeys.unauthorized());
        }
        byte[] content = body == null ? new byte[0] : body;
        if (content.length > SegmentLimits.MAX_REQUEST_BYTES) {
            return now(RequestSizeLimit.tooLarge());
        }
        List<CloudEvent> events;
        try {
            events = read(headers, content);
        } catch (JsonProcessingException e) {
            return now(Answer.error(Response.Status.BAD_REQUEST, "malformed_json", "$", e.getOriginalMessage()));
        } catch (IOException e) {
            return now(Answer.error(Response.Status.BAD_REQUEST, "malformed_json", "$", "unreadable body"));
        } catch (InvalidEventException e) {
            return now(Answer.invalid(e.field(), e.reason()));
        }
        return intake.accept(new Intake.Origin(ENDPOINT, source.get(), receivedAt, null), parse(events, receivedAt, source.get()));
    }

    /** A write key (HTTP Basic) names the source; without one, the configured trusted source, if any. */
    private Optional<String> sourceOf(String authorization) {
        Optional<String> key = WriteKeys.fromBasicAuth(authorization);
        return key.isPresent() ? key.flatMap(writeKeys::sourceOf) : trustedSource;
    }

    private static List<CloudEvent> read(HttpHeaders headers, byte[] body) throws IOException {
        String contentType = headers.getHeaderString(HttpHeaders.CONTENT_TYPE);
        String mediaType = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase();
        if (mediaType.equals(CloudEventReader.BATCHED)) {
            return CloudEventReader.batched(body);
        }
        if (mediaType.equals(CloudEventReader.STRUCTURED)) {
            return List.of(CloudEventReader.structured(body));
        }
        Map<String, String> single = new HashMap<>();
        headers.getRequestHeaders().forEach((name, values) -> single.put(name, values.getFirst()));
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
