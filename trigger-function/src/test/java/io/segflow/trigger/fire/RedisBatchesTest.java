package io.segflow.trigger.fire;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segflow.trigger.TriggerConfig;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The replica wait's settings are checked at startup: a timeout the batch's own command timeout would cut short is refused. */
class RedisBatchesTest {

    @Test
    void aReplicaWaitAsLongAsTheBatchsCommandTimeoutIsRefusedAtStartup() {
        assertThatThrownBy(() -> batches(1, Duration.ofSeconds(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("segflow.trigger.redis-replicas.timeout");
        assertThatThrownBy(() -> batches(1, Duration.ZERO))
                .hasMessageContaining("segflow.trigger.redis-replicas.timeout");
        assertThatCode(() -> batches(0, Duration.ofMillis(9_999))).doesNotThrowAnyException();
    }

    @Test
    void aReplicaWaitOutlastingAStoredFiringsLeaseIsRefusedAtStartup() {
        // Deliveries time out after 2 s here: a stored firing is the schedule's again 7 s after it was stored.
        assertThatThrownBy(() -> batches(1, Duration.ofSeconds(7)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("segflow.trigger.deliveries.timeout");
        assertThatCode(() -> batches(0, Duration.ofSeconds(7))).doesNotThrowAnyException();
        assertThatCode(() -> batches(1, Duration.ofMillis(6_999))).doesNotThrowAnyException();
    }

    @Test
    void aReplicaWaitAsLongAsTheIdleTimeoutIsRefusedAtStartup() {
        // The client closes a connection silent for its idle timeout, a WAIT's among them.
        assertThatThrownBy(() -> batches(1, Duration.ofSeconds(3), Optional.of(Duration.ofSeconds(3))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("quarkus.redis.tcp.idle-timeout");
        assertThatCode(() -> batches(1, Duration.ofMillis(2_999), Optional.of(Duration.ofSeconds(3)))).doesNotThrowAnyException();
        assertThatCode(() -> batches(0, Duration.ofSeconds(3), Optional.of(Duration.ofSeconds(3)))).doesNotThrowAnyException();
        assertThatCode(() -> batches(1, Duration.ofSeconds(6), Optional.empty())).doesNotThrowAnyException();
    }

    @Test
    void aNegativeReplicaCountIsRefusedAtStartup() {
        assertThatThrownBy(() -> batches(-1, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("segflow.trigger.redis-replicas.acks");
    }

    private static RedisBatches batches(int acks, Duration timeout) {
        return batches(acks, timeout, Optional.empty());
    }

    private static RedisBatches batches(int acks, Duration timeout, Optional<Duration> idleTimeout) {
        TriggerConfig.RedisReplicas replicas = new TriggerConfig.RedisReplicas() {
            @Override
            public int acks() {
                return acks;
            }

            @Override
            public Duration timeout() {
                return timeout;
            }
        };
        TriggerConfig config = (TriggerConfig) java.lang.reflect.Proxy.newProxyInstance(TriggerConfig.class.getClassLoader(),
                new Class<?>[] {TriggerConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("redisReplicas")) {
                        return replicas;
                    }
                    if (method.getName().equals("deliveries")) {
                        return java.lang.reflect.Proxy.newProxyInstance(TriggerConfig.class.getClassLoader(),
                                new Class<?>[] {TriggerConfig.Deliveries.class}, (p, m, a) -> {
                                    if (m.getName().equals("timeout")) {
                                        return Duration.ofSeconds(2);
                                    }
                                    throw new UnsupportedOperationException(m.getName() + " is not read by the Redis batches");
                                });
                    }
                    throw new UnsupportedOperationException(method.getName() + " is not read by the Redis batches");
                });
        return new RedisBatches(null, "standalone", idleTimeout, config, new SimpleMeterRegistry());
    }
}
