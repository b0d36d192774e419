package io.segflow.ingest;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Whatever fails in the HTTP layer on ingest's endpoints (a body limit, a connection error, a bug) is answered with
 * ingest's JSON error, never Quarkus' error page: SDKs and operators read one format.
 */
@ApplicationScoped
public class FailureAnswers {
    private static final Logger LOG = Logger.getLogger(FailureAnswers.class);
    private static final List<String> INGEST_PATHS = List.of("/", "/v1/*");

    void install(@Observes Router router) {
        for (String path : INGEST_PATHS) {
            // First among the failure handlers, ahead of Quarkus' own (which is last).
            router.route(path).order(Integer.MIN_VALUE).failureHandler(this::answer);
        }
    }

    private void answer(RoutingContext context) {
        if (context.response().headWritten()) {
            context.response().reset(); // part of an answer is out: all the client can be told is that it broke
            return;
        }
        RouteAnswers.send(context, answerFor(context.statusCode(), context.failure(), context));
    }

    private static Response answerFor(int status, Throwable failure, RoutingContext context) {
        if (status == Response.Status.REQUEST_ENTITY_TOO_LARGE.getStatusCode()) {
            return RequestSizeLimit.tooLarge();
        }
        Response.Status known = Response.Status.fromStatusCode(status);
        if (known != null && known.getFamily() == Response.Status.Family.CLIENT_ERROR) {
            String reason = failure != null && failure.getMessage() != null ? failure.getMessage() : known.getReasonPhrase();
            return Answer.error(known, "bad_request", "$", reason);
        }
        LOG.errorf(failure, "%s %s failed", context.request().method(), context.request().path());
        return Answer.error(Response.Status.INTERNAL_SERVER_ERROR, "internal_error", null,
                "the request could not be handled; see ingest's log");
    }
}
