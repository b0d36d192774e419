package io.segflow.api.auth;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segflow.api.ApiConfig;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Without {@code segflow.tokens.secret} the token key is derived from the admin key, and every browser holds a token
 * signed with it: a start with an admin key short enough to guess offline is refused, naming both settings.
 */
class DerivedTokenKeyTest {

    @Test
    void aShortAdminKeyWithoutATokenSecretStopsTheStart() {
        assertThatThrownBy(() -> new UserTokens(config("dev-admin-key", Optional.empty())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("segflow.tokens.secret")
                .hasMessageContaining("segflow.admin-key");
        assertThatThrownBy(() -> new UserTokens(config("a".repeat(31), Optional.empty())))
                .hasMessageContaining("segflow.tokens.secret");
    }

    @Test
    void aLongAdminKeyOrATokenSecretStarts() {
        assertThatCode(() -> new UserTokens(config("a".repeat(32), Optional.empty()))).doesNotThrowAnyException();
        assertThatCode(() -> new UserTokens(config("dev-admin-key", Optional.of("s".repeat(32))))).doesNotThrowAnyException();
    }

    static ApiConfig config(String adminKey, Optional<String> secret) {
        ApiConfig.Tokens tokens = proxy(ApiConfig.Tokens.class, method -> switch (method) {
            case "secret" -> secret;
            case "publicKey" -> Optional.empty();
            case "defaultTtl" -> Duration.ofHours(1);
            case "maxTtl" -> Duration.ofDays(1);
            case "required" -> true;
            case "issuer" -> "segflow";
            default -> throw new UnsupportedOperationException(method);
        });
        return proxy(ApiConfig.class, method -> switch (method) {
            case "adminKey" -> adminKey;
            case "tokens" -> tokens;
            default -> throw new UnsupportedOperationException(method);
        });
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, java.util.function.Function<String, Object> answers) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, method, args) -> answers.apply(method.getName()));
    }
}
