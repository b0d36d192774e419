package io.segflow.api.auth;

import io.quarkus.runtime.Startup;
import io.segflow.api.ApiConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * The bearer keys of backends: the admin key (everything) and the read-only server keys (reads of any user).
 * Compared in constant time; checked at startup, so a short or reused server key stops the function with the reason.
 */
@Startup
@ApplicationScoped
public class ApiKeys {
    public static final int MIN_SERVER_KEY_LENGTH = 16;
    private static final String BEARER = "Bearer ";

    /** What an {@code Authorization} header proves. */
    public enum Holder {
        ADMIN,
        /** A read-only server key: reads any user's segments and profile, changes nothing. */
        SERVER,
        NONE
    }

    private final byte[] adminKey;
    private final List<byte[]> serverKeys;

    ApiKeys(ApiConfig config) {
        this.adminKey = bytes(config.adminKey());
        List<String> server = config.serverKeys().orElse(List.of()).stream().map(String::trim).filter(k -> !k.isEmpty()).toList();
        for (String key : server) {
            if (key.length() < MIN_SERVER_KEY_LENGTH) {
                throw new IllegalStateException("segflow.server-keys: every key must be at least " + MIN_SERVER_KEY_LENGTH + " characters");
            }
            if (key.equals(config.adminKey())) {
                throw new IllegalStateException("segflow.server-keys: a server key must differ from the admin key");
            }
        }
        this.serverKeys = server.stream().map(ApiKeys::bytes).toList();
    }

    public Holder holder(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Holder.NONE;
        }
        byte[] presented = bytes(authorizationHeader.substring(BEARER.length()).trim());
        if (MessageDigest.isEqual(adminKey, presented)) {
            return Holder.ADMIN;
        }
        boolean server = false;
        for (byte[] key : serverKeys) {
            server |= MessageDigest.isEqual(key, presented); // no early exit: the time says nothing about which key
        }
        return server ? Holder.SERVER : Holder.NONE;
    }

    private static byte[] bytes(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }
}
