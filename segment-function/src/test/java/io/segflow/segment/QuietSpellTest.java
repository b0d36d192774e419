package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * The Redis client closes connections silent for its idle timeout (so that one stuck on a frozen node lets go). The
 * engine keeps one connection from round to round on a single Redis; after a quiet spell longer than that timeout the
 * next round must still be stored at once, not fail and claim every partition again.
 */
@QuarkusTest
@TestProfile(QuietSpellTest.ShortIdleTimeout.class)
class QuietSpellTest extends SegmentFunctionTestBase {
    public static class ShortIdleTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.redis.tcp.idle-timeout", "1s");
        }
    }

    @Inject
    MeterRegistry metrics;

    @Test
    void aRoundAfterAQuietSpellLongerThanTheIdleTimeoutIsStoredWithoutAReset() {
        String user = "quiet-" + UUID.randomUUID();
        send(trackEvent(user, "before", UUID.randomUUID().toString()));
        // The test's own Redis client has the short idle timeout too: a read of it may meet a connection closing under it.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(CompletionException.class)
                .until(() -> record(user).map(r -> r.profile().count("before") == 1).orElse(false));
        double resets = resets();

        sleep(3_000); // three idle timeouts: the client closed the connection the last round was stored through

        send(trackEvent(user, "after", UUID.randomUUID().toString()));
        await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(CompletionException.class)
                .until(() -> record(user).map(r -> r.profile().count("after") == 1).orElse(false));
        assertThat(resets()).as("failed rounds (each claims every partition again)").isEqualTo(resets);
        assertThat(record(user).orElseThrow().profile().count("before")).isEqualTo(1);
    }

    private double resets() {
        return metrics.get("segflow.engine.resets").counter().count();
    }
}
