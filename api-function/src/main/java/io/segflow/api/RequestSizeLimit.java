package io.segflow.api;

import io.segflow.core.api.ErrorBody;
import io.segflow.core.json.Json;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;

/**
 * The 10 MB request body limit, answered in JSON like every other error. A declared {@code Content-Length} over it is
 * refused here, before the body is read; a body that turns out larger (chunked) is refused by {@link JsonBodies}.
 * Quarkus' own limit ({@code quarkus.http.limits.max-body-size}) sits above this one, as a backstop: it answers an
 * empty 413.
 */
@ApplicationScoped
public class RequestSizeLimit {
    public static final int MAX_BODY_BYTES = 10 * 1024 * 1024;
    private static final ErrorBody TOO_LARGE = ErrorBody.of("request_too_large", "$",
            "a request body may be at most " + MAX_BODY_BYTES + " bytes (10 MB)");

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::checkDeclaredLength);
    }

    private void checkDeclaredLength(RoutingContext context) {
        String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length == null || !declaredTooLarge(length)) {
            context.next();
            return;
        }
        var response = context.response().setStatusCode(Response.Status.REQUEST_ENTITY_TOO_LARGE.getStatusCode())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        if (context.request().version() != HttpVersion.HTTP_2) {
            // The unread body makes the connection useless; HTTP/2 forbids the header (only the stream ends).
            response.putHeader(HttpHeaders.CONNECTION, "close");
        }
        response.end(Json.write(TOO_LARGE));
    }

    private static boolean declaredTooLarge(String contentLength) {
        try {
            return Long.parseLong(contentLength.trim()) > MAX_BODY_BYTES;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** A body found too large while read: the rest is not read, so the connection closes after the answer. */
    static ApiException tooLarge() {
        return new ApiException(Response.Status.REQUEST_ENTITY_TOO_LARGE, TOO_LARGE);
    }
}
