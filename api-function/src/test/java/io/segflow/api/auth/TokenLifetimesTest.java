package io.segflow.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The lifetimes of minted tokens are checked at startup, not at the first mint without ttlSeconds. */
class TokenLifetimesTest {

    @Test
    void aDefaultLifetimeUpToTheMaximumIsAccepted() {
        assertThatCode(() -> UserTokens.checkLifetimes(Duration.ofHours(1), Duration.ofDays(30))).doesNotThrowAnyException();
        assertThatCode(() -> UserTokens.checkLifetimes(Duration.ofMinutes(30), Duration.ofMinutes(30))).doesNotThrowAnyException();
    }

    @Test
    void aDefaultLifetimeAboveTheMaximumStopsStartupNamingBothSettings() {
        assertThatThrownBy(() -> UserTokens.checkLifetimes(Duration.ofHours(1), Duration.ofMinutes(30)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("segflow.tokens.default-ttl").hasMessageContaining("segflow.tokens.max-ttl")
                .hasMessageContaining("3600").hasMessageContaining("1800");
    }

    @Test
    void aLifetimeThatIsNotPositiveStopsStartup() {
        assertThatThrownBy(() -> UserTokens.checkLifetimes(Duration.ZERO, Duration.ofDays(30)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("segflow.tokens.default-ttl");
        assertThatThrownBy(() -> UserTokens.checkLifetimes(Duration.ofSeconds(-1), Duration.ofDays(30)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("segflow.tokens.default-ttl");
    }

    @Test
    void aMintAnswersTheLifetimeAskedForWhateverTheTimeWhenItIsAnswered() throws Exception {
        // The mint reads the clock a second before the answer is written, as a mint across a second boundary does.
        InstantSource aSecondAgo = () -> Instant.now().minusSeconds(1);
        UserTokens tokens = new UserTokens(DerivedTokenKeyTest.config("dev-admin-key", Optional.of("s".repeat(32))), aSecondAgo);
        TokensResource resource = new TokensResource(tokens);

        TokensResource.MintedToken asked = resource.mint(body("{\"userId\":\"u1\",\"ttlSeconds\":120}"));
        assertThat(asked.expiresIn()).isEqualTo(120);
        assertThat(lifetimeInClaims(asked.token())).isEqualTo(120);

        TokensResource.MintedToken byDefault = resource.mint(body("{\"userId\":\"u1\"}"));
        assertThat(byDefault.expiresIn()).isEqualTo(3600);
        assertThat(lifetimeInClaims(byDefault.token())).isEqualTo(3600);
    }

    private static ByteArrayInputStream body(String json) {
        return new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8));
    }

    private static long lifetimeInClaims(String token) throws Exception {
        JsonNode claims = new ObjectMapper().readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        return claims.get("exp").asLong() - claims.get("iat").asLong();
    }
}
