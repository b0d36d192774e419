package io.segflow.api;

import io.segflow.api.auth.ApiKeys;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;

/** Lets backend reads through with the admin key or a read-only server key. */
@Provider
@ServerReadable
public class ServerKeyFilter implements ContainerRequestFilter {
    /** Looked up per call: REST filters are built before runtime config mappings exist. */
    private final Instance<ApiKeys> keys;

    ServerKeyFilter(Instance<ApiKeys> keys) {
        this.keys = keys;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (keys.get().holder(request.getHeaderString(HttpHeaders.AUTHORIZATION)) == ApiKeys.Holder.NONE) {
            request.abortWith(KeyRefusals.unauthorized(
                    "this read needs 'Authorization: Bearer <admin key or server key>'"));
        }
    }
}
