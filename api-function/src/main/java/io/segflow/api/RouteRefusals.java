package io.segflow.api;

import io.segflow.core.json.Json;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.MediaType;

/**
 * An {@link ApiException} that fails a Vert.x route rather than a REST call (the WebSocket upgrade's token check, a
 * refused origin) is answered as {@link ErrorMappers} answers it: its status, its headers and its JSON body, not
 * Quarkus' empty 500.
 */
@ApplicationScoped
public class RouteRefusals {

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(RouteRefusals::answer);
    }

    private static void answer(RoutingContext context) {
        if (!(context.failure() instanceof ApiException refused) || context.response().headWritten()) {
            context.next();
            return;
        }
        HttpServerResponse response = context.response().setStatusCode(refused.status().getStatusCode());
        refused.headers().forEach(response::putHeader);
        response.putHeader(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON).end(Json.write(refused.body()));
    }
}
