package io.segflow.api;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code /segflow.js} and {@code /demo/} are served from unversioned URLs, so a browser must ask again before each use
 * to see an upgrade: {@code Cache-Control: no-cache} instead of the static handler's day of {@code immutable}, and an
 * ETag of the file's content, so that asking again costs a 304 while the file is unchanged. The content, not the
 * file's time, decides: a jar's entries may all carry one fixed time. {@code Vary: Origin}: a page may fetch them
 * with CORS, whose headers echo the origin, and a browser keeps one copy for every site that uses them.
 */
@ApplicationScoped
public class ClientFileCaching {
    private static final String RESOURCES = "META-INF/resources";

    /** ETags of the files found, by request path; paths without a file are not kept. */
    private final Map<String, String> etags = new ConcurrentHashMap<>();

    void install(@Observes Router router) {
        for (String path : new String[] {"/segflow.js", "/demo/*"}) {
            router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD).order(Integer.MIN_VALUE).handler(this::revalidated);
        }
    }

    private void revalidated(RoutingContext context) {
        etag(context.normalizedPath()).ifPresent(etag -> {
            // Set before the static handler runs: it answers If-None-Match with a 304 when this tag matches.
            context.response().putHeader(HttpHeaders.ETAG, etag);
            // Set as the head goes out, over the static handler's header (a 304 gets none from it).
            context.addHeadersEndHandler(ignored -> {
                context.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
                varyOnOrigin(context);
            });
        });
        context.next();
    }

    /** Adds Origin to what the answer varies on already (the static handler's accept-encoding). */
    private static void varyOnOrigin(RoutingContext context) {
        String vary = context.response().headers().get(HttpHeaders.VARY);
        context.response().putHeader(HttpHeaders.VARY, vary == null || vary.isBlank() ? "Origin" : vary + ", Origin");
    }

    private Optional<String> etag(String path) {
        String file = path.endsWith("/") ? path + "index.html" : path;
        String known = etags.get(file);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<String> etag = contentTag(file);
        etag.ifPresent(tag -> etags.put(file, tag));
        return etag;
    }

    private static Optional<String> contentTag(String file) {
        if (file.contains("..")) {
            return Optional.empty();
        }
        try (InputStream content = ClientFileCaching.class.getClassLoader().getResourceAsStream(RESOURCES + file)) {
            if (content == null) {
                return Optional.empty();
            }
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(content.readAllBytes());
            return Optional.of('"' + HexFormat.of().formatHex(digest, 0, 12) + '"');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
