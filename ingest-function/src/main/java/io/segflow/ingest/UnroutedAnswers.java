package io.segflow.ingest;

import io.segflow.ingest.cloudevents.CloudEventsRoute;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.HashSet;
import java.util.Set;

/**
 * Requests that no route took, answered in ingest's JSON rather than Vert.x's HTML page: a call's path with another
 * method than POST is a 405 naming the method, any other path a 404 naming the path. Quarkus' own paths ({@code /q/*}:
 * health, metrics) stay Quarkus'.
 */
@ApplicationScoped
public class UnroutedAnswers {
    private static final String QUARKUS_PATHS = "/q/";
    private static final String ALLOWED_METHOD = "POST";

    private final Set<String> callPaths = allCallPaths();

    void install(@Observes Router router) {
        // Last of all routes, so that it sees only what every other route passed over.
        router.route().order(Integer.MAX_VALUE).handler(this::answer);
    }

    private void answer(RoutingContext context) {
        if (context.normalizedPath().startsWith(QUARKUS_PATHS)) {
            context.next();
            return;
        }
        // At once, body unread: Vert.x drops what is left of it, and the connection serves the client's next request.
        RouteAnswers.send(context, answerFor(context.request().method().name(), context.normalizedPath()));
    }

    private Response answerFor(String method, String path) {
        if (!callPaths.contains(withoutTrailingSlash(path))) {
            return Answer.unknownCall(path);
        }
        return Response.fromResponse(Answer.error(Response.Status.METHOD_NOT_ALLOWED, "method_not_allowed", "method",
                        method + " is not allowed on " + path + "; calls are sent with " + ALLOWED_METHOD))
                .header(HttpHeaders.ALLOW, ALLOWED_METHOD)
                .build();
    }

    /** The routes take {@code /v1/track/} for {@code /v1/track}. */
    private static String withoutTrailingSlash(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static Set<String> allCallPaths() {
        Set<String> paths = new HashSet<>(CollectorRoute.callPaths());
        paths.add(CloudEventsRoute.ENDPOINT);
        return Set.copyOf(paths);
    }
}
