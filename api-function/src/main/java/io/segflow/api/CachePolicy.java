package io.segflow.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/**
 * Cache headers of membership reads. Browsers (and, in CDN mode, shared caches) may reuse an answer for
 * {@code max-age} and serve it stale while they revalidate; revalidation is cheap (ETag of the version and segments,
 * 304), and the JS client revalidates on every poll, so a change published is seen on the next request that reaches us.
 * Every mode varies on {@code Origin}: the CORS headers echo the request's origin (or are absent without one), so an
 * answer kept for one site would fail the CORS check of another that shares the cache (one browser, two sites).
 */
@ApplicationScoped
public class CachePolicy {
    private final ApiConfig.Cache cache;

    CachePolicy(ApiConfig config) {
        this.cache = config.cache();
    }

    /** Varies on the token (its allow-list shapes the body) and on the origin (the CORS headers echo it). */
    static final String VARY = "Authorization, Origin";

    public Response.ResponseBuilder apply(Response.ResponseBuilder response) {
        long swr = cache.staleWhileRevalidate().toSeconds();
        if (cache.mode() == ApiConfig.CacheMode.CDN) {
            return response
                    .header(HttpHeaders.CACHE_CONTROL, "public, max-age=" + cache.maxAge().toSeconds()
                            + ", s-maxage=" + cache.sMaxAge().toSeconds() + ", stale-while-revalidate=" + swr)
                    .header(HttpHeaders.VARY, VARY);
        }
        return response
                .header(HttpHeaders.CACHE_CONTROL, "private, max-age=" + cache.maxAge().toSeconds() + ", stale-while-revalidate=" + swr)
                .header(HttpHeaders.VARY, VARY);
    }
}
