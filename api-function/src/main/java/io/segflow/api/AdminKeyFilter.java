package io.segflow.api;

import io.segflow.core.api.ErrorBody;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Lets admin calls through only with the configured bearer key; compares in constant time. */
@Provider
@AdminOnly
public class AdminKeyFilter implements ContainerRequestFilter {
    /** Looked up per call: REST filters are built before runtime config mappings exist. */
    private final Instance<ApiConfig> config;

    AdminKeyFilter(Instance<ApiConfig> config) {
        this.config = config;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        byte[] expected = ("Bearer " + config.get().adminKey()).getBytes(StandardCharsets.UTF_8);
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8))) {
            request.abortWith(Response.status(Response.Status.UNAUTHORIZED)
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                    .entity(ErrorBody.of("unauthorized", "Authorization", "admin calls need 'Authorization: Bearer <admin key>'"))
                    .type(MediaType.APPLICATION_JSON_TYPE)
                    .build());
        }
    }
}
