package io.segflow.ingest;

import io.segflow.core.event.SegmentLimits;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.core.Response;
import java.util.function.Function;
import org.jboss.logging.Logger;

/** How ingest's Vert.x routes answer: a body read up to Segment's 500 KB, then an {@link Answer} written as JSON. */
public final class RouteAnswers {
    private static final Logger LOG = Logger.getLogger(RouteAnswers.class);

    private RouteAnswers() {
    }

    /**
     * Buffers the body as sent, hands it to the endpoint and sends the endpoint's answer. A body over the limit is
     * answered 413 at once; anything that fails goes to {@link FailureAnswers}.
     */
    public static void afterBody(RoutingContext context, Function<byte[], Uni<Response>> endpoint) {
        BufferedBody.read(context.request(), SegmentLimits.MAX_REQUEST_BYTES).onComplete(read -> {
            if (read.failed()) {
                if (read.cause() instanceof BufferedBody.TooLarge) {
                    send(context, RequestSizeLimit.tooLarge());
                } else if (context.response().closed()) {
                    // The client went away before its body ended (a tab closed mid-upload): nothing was accepted,
                    // and there is nobody to answer. Not a failure of ours: no 500, no error in the log.
                    LOG.debugf("%s %s: the client closed the connection before the body ended", context.request().method(),
                            context.request().path());
                } else {
                    context.fail(read.cause());
                }
                return;
            }
            Uni<Response> answer;
            try {
                answer = endpoint.apply(read.result().getBytes());
            } catch (RuntimeException e) {
                context.fail(e);
                return;
            }
            answer.subscribe().with(response -> send(context, response), context::fail);
        });
    }

    /** Writes an {@link Answer} (a JSON string entity, perhaps a Retry-After; or no entity, no body) as the response. */
    static void send(RoutingContext context, Response answer) {
        var out = context.response().setStatusCode(answer.getStatus());
        if (answer.getEntity() == null) {
            out.end();
            return;
        }
        out.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        answer.getStringHeaders().forEach((name, values) -> {
            if (!name.equalsIgnoreCase(HttpHeaders.CONTENT_TYPE.toString())) {
                out.putHeader(name, values);
            }
        });
        out.end((String) answer.getEntity());
    }
}
