package io.segflow.ingest;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Maps write keys to the name of the source they belong to. */
@ApplicationScoped
public class WriteKeys {
    private final Map<String, String> sourceByKey = new HashMap<>();

    WriteKeys(IngestConfig config) {
        for (String entry : config.writeKeys()) {
            int colon = entry.indexOf(':');
            String name = colon > 0 ? entry.substring(0, colon).trim() : "default";
            String key = entry.substring(colon + 1).trim();
            if (key.isEmpty()) {
                throw new IllegalArgumentException("segflow.write-keys: entry '" + entry + "' has an empty key");
            }
            sourceByKey.put(key, name);
        }
    }

    public Optional<String> sourceOf(String writeKey) {
        return Optional.ofNullable(writeKey).map(sourceByKey::get);
    }

    /** 401: no write key, or one no source has. */
    public static Response unauthorized() {
        return Answer.error(Response.Status.UNAUTHORIZED, "unauthorized", "writeKey",
                "a known write key is required (HTTP Basic user name or writeKey)");
    }

    /** The write key of {@code Authorization: Basic base64(<writeKey>:)}, as Segment's SDKs send it. */
    public static Optional<String> fromBasicAuth(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return Optional.of(colon >= 0 ? decoded.substring(0, colon) : decoded).filter(k -> !k.isEmpty());
        } catch (IllegalArgumentException notBase64) {
            return Optional.empty();
        }
    }
}
