package io.segflow.api.auth;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
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
}
