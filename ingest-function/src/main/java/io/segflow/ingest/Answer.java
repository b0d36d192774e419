package io.segflow.ingest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.segflow.core.api.ErrorBody;
import io.segflow.core.event.Rejection;
import io.segflow.core.json.Json;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.List;

/**
 * The JSON body of every ingest answer: {@code {"success":true}}, an {@link ErrorBody}'s fields, and for a batch with
 * refused calls the list of them ({@code rejected}: index, field, reason).
 */
public record Answer(boolean success, String error, String field, String reason, List<Rejection> rejected) {

    private static final String SUCCESS = "{\"success\":true}";

    public static Response ok(List<Rejection> rejected) {
        String body = rejected.isEmpty() ? SUCCESS : Json.write(new Answer(true, null, null, null, rejected));
        return Response.ok(body, MediaType.APPLICATION_JSON_TYPE).build();
    }

    /** Every call of a batch was refused: the first one's field and reason, and all of them. */
    public static Response allRejected(List<Rejection> rejected) {
        Rejection first = rejected.getFirst();
        return json(Response.Status.BAD_REQUEST,
                new Answer(false, "invalid_event", first.field(), first.reason(), first.index() == null ? null : rejected));
    }

    public static Response error(Response.Status status, String error, String field, String reason) {
        return json(status, new Answer(false, error, field, reason, null));
    }

    /**
     * 400 for a body that is not JSON, with the position when the parser has one; a body past one of the parser's
     * limits (nesting depth, number length) has none, and is told which limit in plain words.
     */
    public static Response malformedJson(JsonProcessingException e) {
        if (e instanceof StreamConstraintsException limit) {
            return error(Response.Status.BAD_REQUEST, "malformed_json", "$", JsonLimitReasons.of(limit));
        }
        String message = e.getOriginalMessage() == null ? "not valid JSON" : e.getOriginalMessage();
        JsonLocation where = e.getLocation();
        String reason = where == null || where.getLineNr() < 1
                ? message : message + " (line " + where.getLineNr() + ", column " + where.getColumnNr() + ")";
        return error(Response.Status.BAD_REQUEST, "malformed_json", "$", reason);
    }

    /** 404 for a path that is none of ingest's calls. */
    public static Response unknownCall(String path) {
        return error(Response.Status.NOT_FOUND, "unknown_call", "path", "no such call: " + path);
    }

    public static Response invalid(String field, String reason) {
        return error(Response.Status.BAD_REQUEST, "invalid_event", field, reason);
    }

    public static Response retryLater(Response.Status status, String error, String reason, Duration retryAfter) {
        return Response.fromResponse(error(status, error, null, reason))
                .header(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, retryAfter.toSeconds())))
                .build();
    }

    private static Response json(Response.Status status, Answer answer) {
        return Response.status(status).entity(Json.write(answer)).type(MediaType.APPLICATION_JSON_TYPE).build();
    }
}
