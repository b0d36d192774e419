package io.segflow.api;

import io.quarkus.vertx.http.runtime.VertxHttpConfig;
import io.quarkus.vertx.http.runtime.cors.CORSConfig;
import io.quarkus.vertx.http.runtime.cors.CORSFilter;
import io.quarkus.vertx.http.runtime.security.SecurityHandlerPriorities;
import io.segflow.core.api.ErrorBody;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A request from an origin that {@code quarkus.http.cors.origins} ({@code SEGFLOW_CORS_ORIGINS}) does not list is
 * answered 403 in JSON naming {@code Origin}, like every other refusal, instead of Quarkus' CORS filter's empty 403.
 * It runs just before that filter and refuses only what the filter refuses: an origin that is neither listed (the
 * filter's own list and regular expressions) nor possibly the API's own. Anything in doubt is left to the filter,
 * which still runs on every request this lets through, so CORS is as strict as before.
 */
@ApplicationScoped
public class OriginRefusals {
    static final ErrorBody NOT_ALLOWED = ErrorBody.of("origin_not_allowed", "Origin",
            "this origin is not allowed to call the API (SEGFLOW_CORS_ORIGINS)");

    private final CORSConfig cors;
    private final List<Pattern> originPatterns;

    OriginRefusals(VertxHttpConfig http) {
        this.cors = http.cors();
        this.originPatterns = CORSFilter.parseAllowedOriginsRegex(cors.origins());
    }

    void install(@Observes Router router) {
        if (cors.enabled()) {
            // Filters run in the order of minus their priority: this one first.
            router.route().order(-SecurityHandlerPriorities.CORS - 1).handler(this::checkOrigin);
        }
    }

    private void checkOrigin(RoutingContext context) {
        String origin = context.request().getHeader(HttpHeaders.ORIGIN);
        if (origin == null || listed(origin) || mayBeOwnOrigin(context.request(), origin)) {
            context.next();
            return;
        }
        context.fail(new ApiException(Response.Status.FORBIDDEN, NOT_ALLOWED));
    }

    /** As the CORS filter matches: {@code *} alone allows all, else an exact entry or a {@code /regex/} entry. */
    private boolean listed(String origin) {
        Optional<List<String>> origins = cors.origins();
        if (origins.isEmpty()) {
            return false;
        }
        // The filter honours "*" only as the single entry; with others it is left to the filter to decide.
        return origins.get().contains("*") || origins.get().contains(origin)
                || CORSFilter.isOriginAllowedByRegex(originPatterns, origin);
    }

    /**
     * The filter serves the API's own origin whatever the list says. Its test compares the origin with the request's
     * scheme and host; every origin it accepts contains the request's host name, so one that does not is not ours.
     */
    private static boolean mayBeOwnOrigin(HttpServerRequest request, String origin) {
        String hostHeader = request.host();
        String absoluteUri = request.absoluteURI();
        if (hostHeader == null || absoluteUri == null) {
            return true;
        }
        try {
            String hostName = URI.create(absoluteUri).getHost();
            return hostName == null || origin.contains(hostName) || origin.contains(hostHeader);
        } catch (IllegalArgumentException e) {
            return true;
        }
    }
}
