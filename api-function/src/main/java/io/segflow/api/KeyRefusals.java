package io.segflow.api;

import io.segflow.core.api.ErrorBody;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** How the key filters refuse a call: 401 without a known key, 403 with a key that may not do it. */
final class KeyRefusals {
    private KeyRefusals() {
    }

    static Response unauthorized(String reason) {
        return Response.status(Response.Status.UNAUTHORIZED).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .entity(ErrorBody.of("unauthorized", "Authorization", reason)).type(MediaType.APPLICATION_JSON_TYPE).build();
    }

    static Response forbidden(String reason) {
        return Response.status(Response.Status.FORBIDDEN)
                .entity(ErrorBody.of("forbidden", "Authorization", reason)).type(MediaType.APPLICATION_JSON_TYPE).build();
    }
}
