package io.segflow.api.redis;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segflow.api.ApiConfig;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The replica wait's settings are checked at startup: a wait the write's own command timeout would cut short is refused. */
class ReplicatedWritesTest {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(5);

    @Test
    void aNegativeReplicaCountIsRefusedAtStartup() {
        assertThatThrownBy(() -> writes(-1, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("segflow.redis-replicas.acks");
    }

    @Test
    void aTimeoutUnderAMillisecondIsRefusedAtStartup() {
        assertThatThrownBy(() -> writes(1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("segflow.redis-replicas.timeout");
        assertThatThrownBy(() -> writes(0, Duration.ofMillis(-5)))
                .hasMessageContaining("segflow.redis-replicas.timeout");
    }

    @Test
    void aWaitAsLongAsTheCommandTimeoutIsRefusedAtStartup() {
        assertThatThrownBy(() -> writes(1, COMMAND_TIMEOUT, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("segflow.redis-replicas.timeout").hasMessageContaining("quarkus.redis.timeout");
        assertThatCode(() -> writes(1, COMMAND_TIMEOUT.minusMillis(1), Optional.empty())).doesNotThrowAnyException();
        // Without replicas to wait for, the timeout is never used.
        assertThatCode(() -> writes(0, COMMAND_TIMEOUT)).doesNotThrowAnyException();
    }

    @Test
    void aWaitAsLongAsTheIdleTimeoutIsRefusedAtStartup() {
        assertThatThrownBy(() -> writes(1, IDLE_TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("segflow.redis-replicas.timeout").hasMessageContaining("quarkus.redis.tcp.idle-timeout");
        assertThatCode(() -> writes(1, IDLE_TIMEOUT.minusMillis(1))).doesNotThrowAnyException();
        // Vert.x counts whole seconds: 5.9 s is 5 s.
        assertThatThrownBy(() -> writes(1, IDLE_TIMEOUT, Optional.of(IDLE_TIMEOUT.plusMillis(900))))
                .hasMessageContaining("quarkus.redis.tcp.idle-timeout");
        // Without replicas to wait for, or without an idle timeout, the two never meet.
        assertThatCode(() -> writes(0, IDLE_TIMEOUT)).doesNotThrowAnyException();
        assertThatCode(() -> writes(1, IDLE_TIMEOUT, Optional.empty())).doesNotThrowAnyException();
        assertThatCode(() -> writes(1, IDLE_TIMEOUT, Optional.of(Duration.ZERO))).doesNotThrowAnyException();
    }

    @Test
    void theDefaultsAreAccepted() {
        assertThatCode(() -> writes(0, Duration.ofSeconds(1))).doesNotThrowAnyException();
    }

    private static ReplicatedWrites writes(int acks, Duration timeout) {
        return writes(acks, timeout, Optional.of(IDLE_TIMEOUT));
    }

    private static ReplicatedWrites writes(int acks, Duration timeout, Optional<Duration> idleTimeout) {
        ApiConfig.RedisReplicas replicas = new ApiConfig.RedisReplicas() {
            @Override
            public int acks() {
                return acks;
            }

            @Override
            public Duration timeout() {
                return timeout;
            }
        };
        ApiConfig config = (ApiConfig) Proxy.newProxyInstance(ApiConfig.class.getClassLoader(), new Class<?>[] {ApiConfig.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("redisReplicas")) {
                        return replicas;
                    }
                    throw new UnsupportedOperationException(method.getName() + " is not read by the replicated writes");
                });
        return new ReplicatedWrites(null, config, COMMAND_TIMEOUT, idleTimeout, new SimpleMeterRegistry());
    }
}
