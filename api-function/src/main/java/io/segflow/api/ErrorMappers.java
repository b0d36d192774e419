package io.segflow.api;

import io.segflow.api.redis.RedisUnavailable;
import io.segflow.core.api.ErrorBody;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error leaves as JSON with a field and a reason; a Redis that cannot serve now is a 503, never a 500. */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response refused(ApiException e) {
        Response.ResponseBuilder response = Response.status(e.status()).entity(e.body()).type(MediaType.APPLICATION_JSON_TYPE);
        if (e.status() == Response.Status.SERVICE_UNAVAILABLE) {
            response.header(HttpHeaders.RETRY_AFTER, ApiException.RETRY_AFTER_SECONDS);
        }
        if (e.status() == Response.Status.REQUEST_ENTITY_TOO_LARGE) {
            // The rest of the body was not read: the connection is of no further use.
            response.header("Connection", "close");
        }
        return response.build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        return Response.status(status)
                .entity(ErrorBody.of(Response.Status.Family.familyOf(status) == Response.Status.Family.CLIENT_ERROR
                        ? "invalid_request" : "error", null, e.getMessage()))
                .type(MediaType.APPLICATION_JSON_TYPE).build();
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        var redisReason = RedisUnavailable.reason(e);
        if (redisReason.isPresent()) {
            LOG.debugf("answering 503: %s (%s)", redisReason.get(), e.toString());
            return refused(ApiException.unavailable(null, redisReason.get() + "; retry shortly"));
        }
        LOG.error("Unexpected failure", e);
        return Response.serverError().entity(ErrorBody.of("internal", null, "unexpected failure; see the server log"))
                .type(MediaType.APPLICATION_JSON_TYPE).build();
    }
}
