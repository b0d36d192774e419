package io.segflow.ingest;

import io.segflow.core.event.SegmentLimits;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;

/**
 * The 500 KB request limit, answered in JSON like every other error. A declared {@code Content-Length} over it is
 * refused here, before the body is read; a body that turns out larger (chunked, or after gzip decoding) is refused by
 * {@link BufferedBody} and {@link RequestBody} with {@link #tooLarge()}.
 */
@ApplicationScoped
public class RequestSizeLimit {
    private static final String TOO_LARGE_REASON = "a request may be at most " + SegmentLimits.MAX_REQUEST_BYTES + " bytes";

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(context -> {
            String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length != null && declaredTooLarge(length)) {
                var response = context.response().setStatusCode(413)
                        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
                if (context.request().version() != HttpVersion.HTTP_2) {
                    // The unread body makes the connection useless; HTTP/2 forbids the header (only the stream ends).
                    response.putHeader(HttpHeaders.CONNECTION, "close");
                }
                response.end(tooLargeBody());
            } else {
                context.next();
            }
        });
    }

    private static boolean declaredTooLarge(String contentLength) {
        try {
            return Long.parseLong(contentLength.trim()) > SegmentLimits.MAX_REQUEST_BYTES;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    public static Response tooLarge() {
        return Answer.error(Response.Status.REQUEST_ENTITY_TOO_LARGE, "request_too_large", "$", TOO_LARGE_REASON);
    }

    private static String tooLargeBody() {
        return (String) tooLarge().getEntity();
    }
}
