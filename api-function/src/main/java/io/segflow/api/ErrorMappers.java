package io.segflow.api;

import io.segflow.api.redis.RedisUnavailable;
import io.segflow.core.api.ErrorBody;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Set;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error leaves as JSON with a field and a reason; a Redis that cannot serve now is a 503, never a 500. */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    private final ResourceMethods resources;

    ErrorMappers(ResourceMethods resources) {
        this.resources = resources;
    }

    @ServerExceptionMapper
    public Response refused(ApiException e) {
        return answer(e);
    }

    /** A refusal's answer: its status, its {@link ApiException#headers() headers} and its JSON body. */
    static Response answer(ApiException e) {
        Response.ResponseBuilder response = Response.status(e.status()).entity(e.body()).type(MediaType.APPLICATION_JSON_TYPE);
        e.headers().forEach(response::header);
        return response.build();
    }

    /** What the framework refuses before a resource runs: no such path, a method or media type the path does not take. */
    @ServerExceptionMapper
    public Response web(WebApplicationException e, HttpServerRequest request) {
        return switch (e) {
            case NotFoundException notFound -> noResourceMethod(request);
            case NotAllowedException notAllowed -> methodNotAllowed(request, resources.allowed(request.path()));
            case NotAcceptableException notAcceptable -> error(Response.Status.NOT_ACCEPTABLE, "not_acceptable", "Accept",
                    "answers are application/json; Accept was '" + request.getHeader(HttpHeaders.ACCEPT) + "'");
            case NotSupportedException notSupported -> error(Response.Status.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                    "Content-Type", "bodies are application/json; Content-Type was '" + request.getHeader(HttpHeaders.CONTENT_TYPE) + "'");
            default -> other(e);
        };
    }

    /** A path that exists with other methods is a 405 (the framework says 404 when a second resource shares its root). */
    private Response noResourceMethod(HttpServerRequest request) {
        Set<String> allowed = resources.allowed(request.path());
        if (!allowed.isEmpty()) {
            return methodNotAllowed(request, allowed);
        }
        return error(Response.Status.NOT_FOUND, "not_found", "path", "nothing is at " + request.path() + " (see /q/openapi)");
    }

    private static Response methodNotAllowed(HttpServerRequest request, Set<String> allowed) {
        String methods = String.join(", ", allowed);
        Response.ResponseBuilder response = Response.status(Response.Status.METHOD_NOT_ALLOWED)
                .entity(ErrorBody.of("method_not_allowed", "method", request.method().name() + " is not allowed on "
                        + request.path() + (allowed.isEmpty() ? "" : "; allowed: " + methods)))
                .type(MediaType.APPLICATION_JSON_TYPE);
        if (!allowed.isEmpty()) {
            response.header(HttpHeaders.ALLOW, methods);
        }
        return response.build();
    }

    private static Response other(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        return Response.status(status)
                .entity(ErrorBody.of(Response.Status.Family.familyOf(status) == Response.Status.Family.CLIENT_ERROR
                        ? "invalid_request" : "error", null, e.getMessage()))
                .type(MediaType.APPLICATION_JSON_TYPE).build();
    }

    private static Response error(Response.Status status, String error, String field, String reason) {
        return Response.status(status).entity(ErrorBody.of(error, field, reason)).type(MediaType.APPLICATION_JSON_TYPE).build();
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
