package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.engine.SegmentIndex;
import io.segflow.core.history.PartitionHistory;
import io.segflow.core.profile.Scoring;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import io.segflow.segment.apply.PartitionBatch;
import io.segflow.segment.apply.Round;
import io.segflow.segment.apply.UserCache;
import io.segflow.segment.apply.UserProcessor;
import io.segflow.segment.catalog.SegmentCatalog;
import io.segflow.segment.store.PartitionStore;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A pass over every user (a backfill, a replay) reads the users memory does not hold from Redis, and memory does not
 * keep them after the round: one pass would otherwise evict the active users for ones that are not. Users stored in
 * Redis under a partition the running engine does not own.
 */
@QuarkusTest
class PassOverUsersTest extends SegmentFunctionTestBase {
    private static final int PARTITION = 96;
    private static final List<String> USERS = List.of("pass-1", "pass-2", "pass-3");
    private static final SegmentCatalog.Current NO_SEGMENTS = new SegmentCatalog.Current(SegmentIndex.empty(), Scoring.NONE);

    @Inject
    PartitionStore store;

    private final UserProcessor processor = new UserProcessor(60_000, new PartitionStoreTest.NoListener());

    @BeforeEach
    void storeUsers() {
        for (String user : USERS) {
            redis.value(byte[].class).set(RedisKeys.user(PARTITION, user), UserRecordCodec.encode(UserRecord.empty(user)));
        }
    }

    @AfterEach
    void cleanUp() {
        USERS.forEach(user -> redis.key().del(RedisKeys.user(PARTITION, user)));
    }

    @Test
    void usersReadOnlyForAPassStayOutOfMemoryAndTheOthersAreKeptAsWritten() {
        UserCache cache = new UserCache(10);
        Round warm = round(cache);
        warm.load(Map.of(PARTITION, List.of("pass-3"))); // an active user, in memory before the pass
        PartitionBatch warmBatch = warm.batch(PARTITION);
        view(warm, warmBatch, "pass-3", "m-0");
        warm.seal();
        assertThat(cache.valueOf("pass-3")).isNotNull();

        Round round = round(cache);
        round.loadForPass(PARTITION, USERS);
        round.load(Map.of(PARTITION, List.of("pass-2"))); // an event of pass-2 in the same round
        PartitionBatch batch = round.batch(PARTITION);
        for (String user : USERS) {
            view(round, batch, user, "m-1");
        }
        round.seal();

        assertThat(cache.valueOf("pass-1")).as("read for the pass only").isNull();
        assertThat(cache.valueOf("pass-2")).as("an event read it too").isEqualTo(batch.encoded().get("pass-2"));
        assertThat(cache.valueOf("pass-3")).as("held before the pass, kept as the pass wrote it")
                .isEqualTo(batch.encoded().get("pass-3"));
        assertThat(UserRecordCodec.decode("pass-3", cache.valueOf("pass-3")).profile().count("page")).isEqualTo(2);
    }

    /** A chunk's users read with the round's reads are taken from that read: no read of the pass's own. */
    @Test
    void usersReadAheadForAPassAreTakenFromThatReadAndStayOutOfMemory() {
        UserCache cache = new UserCache(10);
        PartitionStore.Loaded readAhead = store.loadWithCatalogRevision(Map.of(PARTITION, List.of("pass-1", "pass-2")), null);
        // Gone from Redis since: a read of the pass's own would find no record and start the users afresh.
        List.of("pass-1", "pass-2").forEach(user -> redis.key().del(RedisKeys.user(PARTITION, user)));

        Round round = round(cache);
        assertThat(round.loadForPass(PARTITION, List.of("pass-1", "pass-2"), readAhead)).as("all read ahead").isTrue();
        assertThat(round.created).as("their stored records, from the read ahead").isEmpty();
        assertThat(round.loadForPass(PARTITION, List.of("pass-1", "pass-3"), readAhead)).as("pass-3 read now").isFalse();
        assertThat(round.created).isEmpty();
        PartitionBatch batch = round.batch(PARTITION);
        view(round, batch, "pass-1", "m-2");
        round.seal();
        assertThat(cache.valueOf("pass-1")).as("read for the pass only").isNull();
    }

    private Round round(UserCache cache) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        return new Round(NO_SEGMENTS, System.currentTimeMillis(), cache, store, meters.counter("reads"),
                meters.counter("unreadable"), partition -> PartitionHistory.NONE);
    }

    private void view(Round round, PartitionBatch batch, String user, String messageId) {
        processor.onEvent(batch, round.record(batch, user), false, trackEvent(user, "page", messageId + "-" + user),
                Span.getInvalid(), NO_SEGMENTS, System.currentTimeMillis());
    }
}
