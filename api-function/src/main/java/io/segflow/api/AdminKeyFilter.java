package io.segflow.api;

import io.segflow.api.auth.ApiKeys;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;

/** Lets admin calls through only with the admin key; a read-only server key is refused with 403. */
@Provider
@AdminOnly
public class AdminKeyFilter implements ContainerRequestFilter {
    /** Looked up per call: REST filters are built before runtime config mappings exist. */
    private final Instance<ApiKeys> keys;

    AdminKeyFilter(Instance<ApiKeys> keys) {
        this.keys = keys;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        switch (keys.get().holder(request.getHeaderString(HttpHeaders.AUTHORIZATION))) {
            case ADMIN -> { }
            case SERVER -> request.abortWith(KeyRefusals.forbidden("the server key is read-only; admin calls need the admin key"));
            case NONE -> request.abortWith(KeyRefusals.unauthorized("admin calls need 'Authorization: Bearer <admin key>'"));
        }
    }

}
