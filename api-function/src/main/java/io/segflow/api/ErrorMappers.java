package io.segflow.api;

import io.segflow.core.api.ErrorBody;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error leaves as JSON with a field and a reason. */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response refused(ApiException e) {
        return Response.status(e.status()).entity(e.body()).type(MediaType.APPLICATION_JSON_TYPE).build();
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
        LOG.error("Unexpected failure", e);
        return Response.serverError().entity(ErrorBody.of("internal", null, "unexpected failure; see the server log"))
                .type(MediaType.APPLICATION_JSON_TYPE).build();
    }
}
