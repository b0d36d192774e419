package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.segflow.core.event.Event;
import io.segflow.core.redis.RedisKeys;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A replay whose rounds are evaluated again (a segment saved while they were in flight) reads their chunks again from
 * the stored progress, and counts their events then: a chunk not stored is not a retry of itself.
 */
@QuarkusTest
@TestProfile(HistoryReplayRewoundTest.TwoRecordChunks.class)
class HistoryReplayRewoundTest extends SegmentFunctionTestBase {
    /** Chunks of two records: a replay takes many rounds, so that saves land on rounds that carry a chunk. */
    public static class TwoRecordChunks implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("segflow.backfill.replay-records", "2");
        }
    }

    @Inject
    MeterRegistry metrics;

    private final String purchase = "Order Rewound " + UUID.randomUUID().toString().substring(0, 8);

    @Test
    void aReplayWhoseRoundsAreEvaluatedAgainCountsEachPastEventOnce() {
        redis.value(Long.class).incr(RedisKeys.SEGMENTS_REVISION);
        String buyer = "hr-rewound-" + UUID.randomUUID();
        Instant yesterday = Instant.now().minus(Duration.ofDays(1));
        for (int i = 0; i < 12; i++) {
            send(purchaseAt(buyer, 10, yesterday.plusSeconds(i)));
        }
        await().atMost(Duration.ofSeconds(40)).until(() -> record(buyer).map(r -> r.profile().count(purchase) == 12).orElse(false));
        double rewindsBefore = metrics.counter("segflow.engine.catalog.rewinds").count();

        String exact = "rewound-" + UUID.randomUUID().toString().substring(0, 8);
        long revision = define(exact, "sum(\"" + purchase + "\", \"revenue\", \"7d\") == 120.0");
        // Saved while the replay runs: each save makes the rounds in flight be evaluated again.
        String other = "rewinder-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 1; i <= 40; i++) {
            revision = define(other, "count(\"" + other + "\") >= " + i);
            sleep(25);
        }

        awaitBackfillDone(revision);
        assertThat(metrics.counter("segflow.engine.catalog.rewinds").count()).as("rounds evaluated again").isGreaterThan(rewindsBefore);
        assertThat(memberships(buyer).contains(exact)).as("the sum of the 12 past events, each counted once").isTrue();
    }

    private Event purchaseAt(String user, double revenue, Instant at) {
        return purchaseAt(user, purchase, revenue, at);
    }
}
