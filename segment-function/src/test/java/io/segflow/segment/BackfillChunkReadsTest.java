package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.engine.SegmentIndex;
import io.segflow.core.history.PartitionHistory;
import io.segflow.core.history.PartitionHistory.Replay;
import io.segflow.core.profile.Scoring;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.rules.Reads.PropertyRef;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import io.segflow.segment.apply.OwnedPartition;
import io.segflow.segment.apply.OwnedPartition.BackfillProgress;
import io.segflow.segment.apply.Round;
import io.segflow.segment.apply.UserCache;
import io.segflow.segment.apply.UserProcessor;
import io.segflow.segment.backfill.CatalogBackfill;
import io.segflow.segment.catalog.SegmentCatalog;
import io.segflow.segment.publish.ChangeTracing;
import io.segflow.segment.store.PartitionStore;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rounds of a backfill, step by step, against Redis: a chunk's users are listed by one round trip and their
 * records read by the next, so that no chunk waits on a read of its own. Users stored under a partition the running
 * engine does not own.
 */
@QuarkusTest
class BackfillChunkReadsTest extends SegmentFunctionTestBase {
    private static final int PARTITION = 95;
    private static final long REVISION = 5;
    private static final List<String> USERS = List.of("chunk-1", "chunk-2", "chunk-3", "chunk-4");
    private static final SegmentCatalog.Current CATALOG =
            new SegmentCatalog.Current(new SegmentIndex(List.of(), REVISION), Scoring.NONE);

    @Inject
    PartitionStore store;
    @Inject
    ChangeTracing tracing;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Counter backfilled = meters.counter("backfilled");
    private final Counter readAhead = meters.counter("ahead");
    private final Counter readOwn = meters.counter("own");
    private final OwnedPartition owned =
            new OwnedPartition(PARTITION, "epoch", 0, BackfillProgress.NONE, PartitionHistory.NONE, 0, 0);
    private CatalogBackfill backfill;

    @BeforeEach
    void registerUsers() {
        for (String user : USERS) {
            redis.value(byte[].class).set(RedisKeys.user(PARTITION, user), UserRecordCodec.encode(UserRecord.empty(user)));
            redis.set(String.class).sadd(RedisKeys.users(PARTITION), user);
        }
        UserProcessor processor = new UserProcessor(60_000, new PartitionStoreTest.NoListener());
        backfill = new CatalogBackfill(store, processor, tracing, backfilled, readAhead, readOwn, 10);
    }

    @AfterEach
    void cleanUp() {
        USERS.forEach(user -> redis.key().del(RedisKeys.user(PARTITION, user)));
        redis.key().del(RedisKeys.users(PARTITION));
    }

    @Test
    void aChunkListedByItsOwnRoundsRoundTripWaitsForTheNextRoundsReads() {
        CatalogBackfill.ReadAhead first = backfill.readAhead(REVISION, List.of(owned), true);
        assertThat(first.users()).as("nothing listed yet").isEmpty();
        assertThat(first.scan()).as("the listing rides with this round trip").isNotNull();
        Round listing = roundTrip(first, null);

        assertThat(backfilled.count()).as("the listed chunk waits: its records were not read with the round's").isZero();
        assertThat(readOwn.count()).as("no read of its own").isZero();
        assertThat(listing.batches).isEmpty();

        CatalogBackfill.ReadAhead second = backfill.readAhead(REVISION, List.of(owned), true);
        assertThat(second.users()).as("the chunk's records ride with the next round trip")
                .containsExactlyInAnyOrderElementsOf(USERS);
        assertThat(second.scan()).as("the partition's last chunk: nothing more to list").isNull();
        Round taking = roundTrip(second, listing);

        assertThat(backfilled.count()).isEqualTo(USERS.size());
        assertThat(readAhead.count()).isEqualTo(1);
        assertThat(readOwn.count()).isZero();
        assertThat(taking.batch(PARTITION).backfillProgress()).isEqualTo(new BackfillProgress(REVISION, BackfillProgress.DONE).encode());
    }

    /**
     * As the engine runs it: a round's plan is made before the last round is stored (with this round's reads), so
     * the plan goes on from where the last chunk took the partition, stored yet or not.
     */
    @Test
    void aPartitionOfManyChunksIsListedAheadThoughEachRoundIsStoredAfterTheNextIsPlanned() {
        List<String> many = IntStream.range(0, 300).mapToObj(i -> "chunks-" + i).toList(); // past a small set's encoding
        many.forEach(user -> redis.set(String.class).sadd(RedisKeys.users(PARTITION), user));
        Round last = null;
        for (int rounds = 0; rounds < 50; rounds++) {
            CatalogBackfill.ReadAhead plan = backfill.readAhead(REVISION, List.of(owned), true);
            if (plan == null) {
                break;
            }
            last = roundTrip(plan, last);
        }
        storedWithThisRoundTrip(last);

        assertThat(owned.backfill().done(REVISION)).isTrue();
        assertThat(readOwn.count()).as("every chunk listed by an earlier round trip").isZero();
        assertThat(readAhead.count()).as("a chunk of about 100 users a round").isGreaterThanOrEqualTo(3);
        assertThat(backfilled.count()).as("the users with records").isEqualTo(USERS.size());
    }

    @Test
    void aChunkNoRoundTripListedReadsForItself() {
        Round round = round();
        backfill.run(round, List.of(owned), null);

        assertThat(backfilled.count()).isEqualTo(USERS.size());
        assertThat(readOwn.count()).isEqualTo(1);
        assertThat(readAhead.count()).isZero();
    }

    /** A round dropped unstored (evaluated again, or reset) takes its chunk with it: the chunk is planned and run again. */
    @Test
    void theChunkOfADroppedRoundIsRunAgain() {
        backfill.run(round(), List.of(owned), null);
        assertThat(backfill.readAhead(REVISION, List.of(owned), true)).as("the chunk took the partition to its end").isNull();

        backfill.forgetUnstored();

        CatalogBackfill.ReadAhead again = backfill.readAhead(REVISION, List.of(owned), true);
        assertThat(again).as("planned again from the stored progress").isNotNull();
        roundTrip(again, null);
        Round rerun = roundTrip(backfill.readAhead(REVISION, List.of(owned), true), null);
        assertThat(backfilled.count()).as("every user evaluated in the dropped round and again").isEqualTo(2L * USERS.size());
        assertThat(rerun.batch(PARTITION).backfillProgress()).isEqualTo(new BackfillProgress(REVISION, BackfillProgress.DONE).encode());
    }

    /**
     * A round refused because another instance claimed the partition takes its chunk with it too: if the partition
     * comes back, its backfill goes on from the progress Redis holds, not from where the refused chunk took it.
     */
    @Test
    void theChunkOfALostPartitionIsRunAgainWhenThePartitionComesBack() {
        backfill.run(round(), List.of(owned), null);
        assertThat(backfill.readAhead(REVISION, List.of(owned), true)).isNull();

        backfill.lost(PARTITION + 1);
        assertThat(backfill.readAhead(REVISION, List.of(owned), true)).as("another partition lost: this chunk stands").isNull();
        backfill.lost(PARTITION);

        CatalogBackfill.ReadAhead again = backfill.readAhead(REVISION, List.of(owned), true);
        assertThat(again).as("planned again from the stored progress").isNotNull();
        roundTrip(again, null);
        roundTrip(backfill.readAhead(REVISION, List.of(owned), true), null);
        assertThat(backfilled.count()).as("every user evaluated in the refused round and again").isEqualTo(2L * USERS.size());
    }

    /** The round that adopts a catalog plans the replays it needs (before its chunk): the chunk waits for them. */
    @Test
    void aChunkWaitsForAReplayItsOwnRoundPlanned() {
        Round round = round();
        Replay replay = new Replay(REVISION, List.of(new PropertyRef("Order Completed", "revenue")), 0, 10, 0, 0);
        round.batch(PARTITION).history(PartitionHistory.NONE.withReplay(replay));

        backfill.run(round, List.of(owned), null);

        assertThat(backfilled.count()).as("no user evaluated while segments wait for the replay").isZero();
        assertThat(readOwn.count() + readAhead.count()).as("no chunk taken").isZero();
        assertThat(round.batch(PARTITION).backfillProgress()).isNull();
    }

    private void storedWithThisRoundTrip(Round round) {
        if (round != null && round.batches.containsKey(PARTITION)) {
            owned.stored(round.batches.get(PARTITION), 0);
        }
    }

    /**
     * One round as the engine runs it: its round trip reads what the plan asks and stores the last round (null: none),
     * then the backfill takes its chunk, if any.
     */
    private Round roundTrip(CatalogBackfill.ReadAhead plan, Round last) {
        PartitionStore.Loaded loaded = store.loadWithCatalogRevision(Map.of(PARTITION, plan.users()), plan.scan());
        backfill.listed(plan, loaded.scanned());
        storedWithThisRoundTrip(last);
        Round round = round();
        backfill.run(round, List.of(owned), loaded);
        return round;
    }

    private Round round() {
        return new Round(CATALOG, System.currentTimeMillis(), new UserCache(10), store, meters.counter("reads"),
                meters.counter("unreadable"), partition -> PartitionHistory.NONE);
    }
}
