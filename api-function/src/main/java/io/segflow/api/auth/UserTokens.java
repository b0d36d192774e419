package io.segflow.api.auth;

import io.quarkus.runtime.Startup;
import io.segflow.api.ApiConfig;
import io.segflow.api.ApiException;
import io.segflow.core.api.ErrorBody;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.util.KeyUtils;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.jwt.Claims;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jboss.logging.Logger;

/**
 * Mints and verifies the per-user tokens browsers read with: JWTs whose subject is the user id, with an expiry
 * and an optional {@code segments} allow-list. HS256 with a shared secret, or RS256 with a public key (then the
 * customer's backend mints them). Built at startup, so a bad key stops the function with the reason.
 */
@Startup
@ApplicationScoped
public class UserTokens {
    public static final String SEGMENTS_CLAIM = "segments";
    private static final Logger LOG = Logger.getLogger(UserTokens.class);
    private static final int MIN_SECRET_BYTES = 32;
    /** How far ahead of ours a signer's clock may be. */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

    private final ApiConfig.Tokens config;
    private final Optional<SecretKey> secret;
    private final DefaultJWTParser parser;
    private final InstantSource clock;

    /** A minted token: its lifetime is the one asked for, the same as its {@code exp - iat}. */
    public record Minted(String token, Duration lifetime) {
    }

    @Inject
    UserTokens(ApiConfig config) {
        this(config, InstantSource.system());
    }

    /** {@code clock} is when tokens are minted: a test sets it to show a mint that took a while. */
    UserTokens(ApiConfig config, InstantSource clock) {
        this.clock = clock;
        this.config = config.tokens();
        JWTAuthContextInfo verification = new JWTAuthContextInfo();
        verification.setIssuedBy(null); // the customer's backend picks its own issuer
        verification.setRequiredClaims(Set.of("sub", "exp"));
        // iat is optional: without a parser-side maximum lifetime smallrye-jwt does not demand it; checkLifetime() applies max-ttl.
        verification.setMaxTimeToLiveSecs(0L);
        if (this.config.publicKey().isPresent()) {
            this.secret = Optional.empty();
            verification.setPublicVerificationKey(publicKey(this.config.publicKey().get()));
            verification.setSignatureAlgorithm(Set.of(SignatureAlgorithm.RS256));
        } else {
            checkLifetimes(this.config.defaultTtl(), this.config.maxTtl()); // with a public key nothing is minted here
            this.secret = Optional.of(this.config.secret().map(UserTokens::configuredSecret)
                    .orElseGet(() -> derivedSecret(config.adminKey())));
            verification.setSecretVerificationKey(secret.get());
            verification.setSignatureAlgorithm(Set.of(SignatureAlgorithm.HS256));
        }
        this.parser = new DefaultJWTParser(verification);
    }

    /** A token for one user; {@code ttl} defaults to {@code segflow.tokens.default-ttl}, capped by max-ttl. */
    public Minted mint(String userId, Optional<Duration> ttl, Optional<Collection<String>> segments) {
        SecretKey key = secret.orElseThrow(() -> new ApiException(Response.Status.CONFLICT, ErrorBody.of("cannot_mint", "segflow.tokens",
                "tokens are verified with an RS256 public key; mint them with the private key in your backend")));
        Duration lifetime = ttl.orElse(config.defaultTtl());
        if (lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(config.maxTtl()) > 0) {
            throw ApiException.badRequest("ttlSeconds", "must be between 1 and " + config.maxTtl().toSeconds());
        }
        // Whole seconds, as the claims are: exp - iat is then the lifetime answered.
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        var claims = Jwt.subject(userId).issuer(config.issuer()).issuedAt(now).expiresAt(now.plus(lifetime));
        segments.ifPresent(ids -> claims.claim(SEGMENTS_CLAIM, List.copyOf(ids)));
        return new Minted(claims.jws().algorithm(SignatureAlgorithm.HS256).sign(key), lifetime);
    }

    /** The token's grant, or 401 when it is not one of ours, expired or malformed. */
    public UserToken verify(String token) {
        JsonWebToken jwt;
        try {
            jwt = parser.parse(token);
        } catch (ParseException e) {
            throw unauthorized(refusal(e));
        }
        String subject = jwt.getSubject();
        if (subject == null || subject.isBlank()) {
            throw unauthorized("token has no subject");
        }
        Instant expiresAt = Instant.ofEpochSecond(jwt.getExpirationTime());
        checkLifetime(issuedAt(jwt), expiresAt);
        return new UserToken(subject, allowList(jwt), expiresAt);
    }

    /**
     * Why the parser refused a token. An expired one is told apart: the page then needs a new token, while one signed
     * with another key means a backend signs with the wrong secret.
     */
    private static String refusal(ParseException e) {
        if (e.getCause() instanceof InvalidJwtException invalid) {
            if (invalid.hasExpired()) {
                return "token expired ('exp' is more than 60 s past)";
            }
            if (invalid.hasErrorCode(ErrorCodes.SIGNATURE_INVALID)) {
                return "token is signed with another key";
            }
        }
        return "token is invalid: malformed, without 'sub' or 'exp', or of another algorithm";
    }

    /**
     * No token outlives max-ttl, whoever signed it: {@code exp - iat}, or {@code exp - now} for a token without
     * {@code iat}. An {@code iat} in the future (past clock skew) would stretch the lifetime, so it is refused too.
     */
    private void checkLifetime(Optional<Instant> issuedAt, Instant expiresAt) {
        Duration max = config.maxTtl();
        Instant now = Instant.now();
        if (issuedAt.isEmpty()) {
            if (Duration.between(now, expiresAt).compareTo(max) > 0) {
                throw unauthorized("token lifetime exceeds segflow.tokens.max-ttl (" + max.toSeconds()
                        + " s): 'exp' is further from now, and there is no 'iat'");
            }
            return;
        }
        Instant iat = issuedAt.get();
        if (iat.isAfter(expiresAt)) {
            throw unauthorized("token expires ('exp') before it was issued ('iat')");
        }
        if (iat.isAfter(now.plus(CLOCK_SKEW))) {
            throw unauthorized("token is issued in the future ('iat')");
        }
        if (Duration.between(iat, expiresAt).compareTo(max) > 0) {
            throw unauthorized("token lifetime exceeds segflow.tokens.max-ttl (" + max.toSeconds() + " s): 'exp' - 'iat' is longer");
        }
    }

    private static Optional<Instant> issuedAt(JsonWebToken jwt) {
        // Not containsClaim: smallrye-jwt answers 0 for an absent iat, and so "contains" it.
        if (!jwt.getClaimNames().contains(Claims.iat.name())) {
            return Optional.empty();
        }
        Object claim = jwt.getClaim(Claims.iat.name());
        if (claim instanceof jakarta.json.JsonNumber number) {
            return Optional.of(Instant.ofEpochSecond(number.longValue()));
        }
        if (claim instanceof Number number) {
            return Optional.of(Instant.ofEpochSecond(number.longValue()));
        }
        throw unauthorized("claim 'iat' must be a time in seconds since the epoch");
    }

    private static Optional<Set<String>> allowList(JsonWebToken jwt) {
        if (!jwt.containsClaim(SEGMENTS_CLAIM)) {
            return Optional.empty();
        }
        Object claim = jwt.getClaim(SEGMENTS_CLAIM);
        Set<String> ids = new LinkedHashSet<>();
        if (claim instanceof jakarta.json.JsonArray array) {
            for (var value : array) {
                if (value instanceof jakarta.json.JsonString text) {
                    ids.add(text.getString());
                }
            }
        } else if (claim instanceof Collection<?> values) {
            values.forEach(v -> ids.add(String.valueOf(v)));
        } else {
            throw unauthorized("claim 'segments' must be an array of segment ids");
        }
        return Optional.of(Set.copyOf(ids));
    }

    /**
     * A default lifetime above the maximum would refuse every mint without {@code ttlSeconds}, naming a field the
     * caller never sent: it stops the function at startup instead.
     */
    static void checkLifetimes(Duration defaultTtl, Duration maxTtl) {
        if (defaultTtl.isNegative() || defaultTtl.isZero() || defaultTtl.compareTo(maxTtl) > 0) {
            throw new IllegalStateException("segflow.tokens.default-ttl (" + defaultTtl.toSeconds()
                    + " s) must be positive and at most segflow.tokens.max-ttl (" + maxTtl.toSeconds() + " s)");
        }
    }

    static ApiException unauthorized(String reason) {
        return new ApiException(Response.Status.UNAUTHORIZED, ErrorBody.of("unauthorized", "token", reason));
    }

    private static SecretKey configuredSecret(String secret) {
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < MIN_SECRET_BYTES) {
            throw new IllegalStateException("segflow.tokens.secret must be at least " + MIN_SECRET_BYTES + " bytes for HS256");
        }
        return new SecretKeySpec(bytes, "HmacSHA256");
    }

    /**
     * Without a configured secret, tokens minted here still verify: the key is HMAC(admin key, fixed label). Every
     * browser holds a token signed with it, so anyone could test guesses of the admin key offline, two HMACs a guess:
     * the admin key must then be as long as a secret would be.
     */
    private static SecretKey derivedSecret(String adminKey) {
        if (adminKey.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
            throw new IllegalStateException("segflow.tokens.secret is not set, so user tokens would be signed with a key "
                    + "derived from segflow.admin-key, and any token would let its holder guess a short admin key offline: "
                    + "set segflow.tokens.secret (at least " + MIN_SECRET_BYTES + " random bytes), or an admin key of at least "
                    + MIN_SECRET_BYTES + " bytes");
        }
        LOG.info("segflow.tokens.secret is not set: user tokens are signed with a key derived from the admin key");
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(adminKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return new SecretKeySpec(mac.doFinal("segflow user tokens v1".getBytes(StandardCharsets.UTF_8)), "HmacSHA256");
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PublicKey publicKey(String pem) {
        try {
            return KeyUtils.decodePublicKey(pem, SignatureAlgorithm.RS256);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalStateException("segflow.tokens.public-key is not an RSA public key: " + e.getMessage(), e);
        }
    }
}
