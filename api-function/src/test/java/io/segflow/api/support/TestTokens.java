package io.segflow.api.support;

import io.smallrye.jwt.build.Jwt;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import javax.crypto.spec.SecretKeySpec;

/** Signs user tokens the way a customer's backend would, with the test profile's HS256 secret. */
public final class TestTokens {
    public static final String SECRET = "segflow-test-secret-0123456789-abcdef";

    private TestTokens() {
    }

    public static String forUser(String userId) {
        return sign(userId, Instant.now().plusSeconds(600), null, SECRET);
    }

    public static String forUser(String userId, List<String> segments) {
        return sign(userId, Instant.now().plusSeconds(600), segments, SECRET);
    }

    public static String expired(String userId) {
        return sign(userId, Instant.now().minusSeconds(600), null, SECRET);
    }

    public static String signedWithAnotherKey(String userId) {
        return sign(userId, Instant.now().plusSeconds(600), null, "not-the-segflow-secret-0123456789-abcdef");
    }

    private static String sign(String userId, Instant expiresAt, List<String> segments, String secret) {
        var claims = Jwt.subject(userId).issuer("customer-backend").issuedAt(expiresAt.minusSeconds(1200)).expiresAt(expiresAt);
        if (segments != null) {
            claims.claim("segments", segments);
        }
        return claims.jws().algorithm(io.smallrye.jwt.algorithm.SignatureAlgorithm.HS256)
                .sign(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    }
}
