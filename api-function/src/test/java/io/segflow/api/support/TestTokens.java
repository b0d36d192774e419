package io.segflow.api.support;

import io.smallrye.jwt.build.Jwt;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import javax.crypto.spec.SecretKeySpec;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.keys.HmacKey;
import org.jose4j.lang.JoseException;

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

    /** A token with exactly these registered claims (null leaves one out), signed with the test secret. */
    public static String withTimes(String userId, Instant issuedAt, Instant expiresAt) {
        JwtClaims claims = new JwtClaims();
        claims.setSubject(userId);
        claims.setIssuer("customer-backend");
        if (issuedAt != null) {
            claims.setIssuedAt(NumericDate.fromSeconds(issuedAt.getEpochSecond()));
        }
        claims.setExpirationTime(NumericDate.fromSeconds(expiresAt.getEpochSecond()));
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
        jws.setKey(new HmacKey(SECRET.getBytes(StandardCharsets.UTF_8)));
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
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
