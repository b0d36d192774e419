package io.segflow.api;

import io.segflow.core.api.ErrorBody;
import jakarta.ws.rs.core.Response;

/** How the key filters refuse a call: 401 without a known key, 403 with a key that may not do it. */
final class KeyRefusals {
    private KeyRefusals() {
    }

    static Response unauthorized(String reason) {
        return ErrorMappers.answer(new ApiException(Response.Status.UNAUTHORIZED,
                ErrorBody.of("unauthorized", "Authorization", reason)));
    }

    static Response forbidden(String reason) {
        return ErrorMappers.answer(new ApiException(Response.Status.FORBIDDEN,
                ErrorBody.of("forbidden", "Authorization", reason)));
    }
}
