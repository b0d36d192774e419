package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.segflow.segment.consume.EngineHealth;
import io.segflow.testkit.RedisProcess;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.health.Readiness;
import org.junit.jupiter.api.Test;

/**
 * Redis stops answering (SIGSTOP: a stalled host, a connection that stays open): the round fails after
 * {@code segflow.engine.redis-timeout} and the engine's readiness check says so, instead of the engine waiting for
 * ever; once Redis answers again the events count once.
 */
@QuarkusTest
@TestProfile(RedisStalledTest.ShortRedisTimeout.class)
class RedisStalledTest extends SegmentFunctionTestBase {
    public static class ShortRedisTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("segflow.engine.redis-timeout", "1s");
        }
    }

    @Inject
    @Readiness
    EngineHealth engine;

    @Test
    void aRedisThatStopsAnsweringFailsTheRoundAndReadinessSaysSoUntilItAnswersAgain() throws Exception {
        String user = "stalled-" + UUID.randomUUID();
        send(trackEvent(user, "before", UUID.randomUUID().toString()));
        await().atMost(Duration.ofSeconds(30)).until(() -> record(user).map(r -> r.profile().count("before") == 1).orElse(false));
        await().atMost(Duration.ofSeconds(30)).until(() -> engineCheck().equals("UP"));

        long redisPid = redisPid();
        RedisProcess.signal(redisPid, "-STOP");
        try {
            send(trackEvent(user, "during", UUID.randomUUID().toString()));
            // The engine's own check, not only the Redis client's ping: the round failed rather than hung.
            await().atMost(Duration.ofSeconds(20)).until(() -> engineCheck().equals("DOWN"));
        } finally {
            RedisProcess.signal(redisPid, "-CONT");
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> engineCheck().equals("UP"));
        await().atMost(Duration.ofSeconds(30)).until(() -> record(user).map(r -> r.profile().count("during") == 1).orElse(false));
        assertThat(record(user).orElseThrow().profile().count("before")).isEqualTo(1);
    }

    /**
     * The status of readiness's {@code segment engine} check, asked in-process: the HTTP readiness waits for the Redis
     * client's own ping meanwhile.
     */
    private String engineCheck() {
        return engine.call().getStatus().name();
    }
}
