package io.segflow.api;

import io.segflow.core.api.ErrorBody;
import jakarta.ws.rs.core.Response;

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
}
