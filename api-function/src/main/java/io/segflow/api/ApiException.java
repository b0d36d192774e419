package io.segflow.api;

import io.segflow.core.api.ErrorBody;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/** A request the API refuses, with the status and the JSON body to answer. */
public class ApiException extends RuntimeException {
    /** Sent with every 503: Redis and Kafka outages that clear by themselves usually do within seconds. */
    public static final int RETRY_AFTER_SECONDS = 2;

    private final Response.Status status;
    private final Object body;

    public ApiException(Response.Status status, Object body) {
        super(body.toString());
        this.status = status;
        this.body = body;
    }

    public static ApiException badRequest(String field, String reason) {
        return new ApiException(Response.Status.BAD_REQUEST, ErrorBody.of("invalid_request", field, reason));
    }

    public static ApiException notFound(String field, String reason) {
        return new ApiException(Response.Status.NOT_FOUND, ErrorBody.of("not_found", field, reason));
    }

    /** A dependency (Kafka, Redis) cannot serve now: 503 with {@code Retry-After}; the caller may retry. */
    public static ApiException unavailable(String field, String reason) {
        return new ApiException(Response.Status.SERVICE_UNAVAILABLE, ErrorBody.of("unavailable", field, reason));
    }

    public Response.Status status() {
        return status;
    }

    public Object body() {
        return body;
    }

    /** The headers its answer carries, whether a REST call or a WebSocket upgrade is refused. */
    public Map<String, String> headers() {
        return switch (status) {
            case SERVICE_UNAVAILABLE -> Map.of(HttpHeaders.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS));
            // Every credential here is a bearer token or key.
            case UNAUTHORIZED -> Map.of(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
            // The rest of the body was not read: the connection is of no further use.
            case REQUEST_ENTITY_TOO_LARGE -> Map.of("Connection", "close");
            default -> Map.of();
        };
    }
}
