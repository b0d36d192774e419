package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.trace.Span;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.Topics;
import io.segflow.core.identity.IdentityRecords;
import io.segflow.core.json.Json;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.state.PendingRecord;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import io.segflow.segment.apply.PartitionBatch;
import io.segflow.segment.store.OwnPartitionStore;
import io.segflow.segment.store.PartitionStore;
import io.vertx.mutiny.core.Vertx;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The partition's ownership in Redis: a claim fences the previous owner, whose later flushes store nothing, and a
 * new owner finds the offset and the change records its predecessor stored. Uses a partition number the running
 * engine does not own (segflow.events has fewer), and a store of its own, as another instance has: the engine's
 * rounds go through the application's store, whose kept connection and catalog watch they change at any moment.
 */
@QuarkusTest
class PartitionStoreTest extends SegmentFunctionTestBase {
    private static final int PARTITION = 97;

    @Inject
    Vertx vertx;
    @Inject
    SegmentConfig config;

    OwnPartitionStore ownStore;
    PartitionStore store;

    @BeforeEach
    void openStore() {
        ownStore = new OwnPartitionStore(vertx, config);
        store = ownStore.store();
    }

    @AfterEach
    void cleanUp() {
        ownStore.close();
        redis.key().del(RedisKeys.partitionState(PARTITION), RedisKeys.changes(PARTITION), RedisKeys.schedule(PARTITION),
                RedisKeys.users(PARTITION), RedisKeys.user(PARTITION, "u1"), RedisKeys.user(PARTITION, "u2"),
                RedisKeys.segmentMembers(PARTITION, "s"), RedisKeys.segmentMembers(PARTITION, "t"));
    }

    @Test
    void aFlushLeavesEachUserInThePartitionsMemberIndexesAsItsLastChangeDecided() {
        PartitionStore.Claim claim = store.claim(List.of(PARTITION)).get(0);
        PartitionBatch batch = new PartitionBatch(PARTITION);
        batch.change(new PartitionBatch.Change("u1", "s", true, 10, "{}", Span.getInvalid()));
        batch.change(new PartitionBatch.Change("u2", "s", true, 11, "{}", Span.getInvalid()));
        batch.change(new PartitionBatch.Change("u2", "s", false, 12, "{}", Span.getInvalid()));
        batch.change(new PartitionBatch.Change("u1", "t", true, 13, "{}", Span.getInvalid()));
        batch.change(new PartitionBatch.Change("u1", null, false, 14, "{\"change\":\"merged\"}", Span.getInvalid()));

        assertThat(store.flush(List.of(new PartitionStore.Flush(batch, claim.epoch(), 0)))).containsExactly(true);

        assertThat(redis.sortedSet(String.class).zscore(RedisKeys.segmentMembers(PARTITION, "s"), "u1")).hasValue(10.0);
        assertThat(redis.sortedSet(String.class).zscore(RedisKeys.segmentMembers(PARTITION, "s"), "u2")).as("entered, then left").isEmpty();
        assertThat(redis.sortedSet(String.class).zscore(RedisKeys.segmentMembers(PARTITION, "t"), "u1")).hasValue(13.0);

        PartitionBatch exit = new PartitionBatch(PARTITION);
        exit.change(new PartitionBatch.Change("u1", "s", false, 20, "{}", Span.getInvalid()));
        assertThat(store.flush(List.of(new PartitionStore.Flush(exit, claim.epoch(), 0)))).containsExactly(true);
        assertThat(redis.sortedSet(String.class).zscore(RedisKeys.segmentMembers(PARTITION, "s"), "u1")).isEmpty();

        // A fenced owner's entry is refused with the rest of its flush.
        PartitionStore.Claim current = store.claim(List.of(PARTITION)).get(0);
        PartitionBatch stale = new PartitionBatch(PARTITION);
        stale.change(new PartitionBatch.Change("u2", "s", true, 30, "{}", Span.getInvalid()));
        assertThat(store.flush(List.of(new PartitionStore.Flush(stale, claim.epoch(), 0)))).containsExactly(false);
        assertThat(redis.sortedSet(String.class).zscore(RedisKeys.segmentMembers(PARTITION, "s"), "u2")).isEmpty();
        assertThat(current.epoch()).isNotEqualTo(claim.epoch());
    }

    @Test
    void aFlushStoresUsersWakesRegistryChangesAndOffsetTogether() {
        PartitionStore.Claim claim = store.claim(List.of(PARTITION)).get(0);
        assertThat(claim.nextOffset()).isEqualTo(-1);
        assertThat(claim.unpublished()).isEmpty();

        PartitionBatch batch = batchWithUser("u1", 42, "{\"userId\":\"u1\",\"version\":1}");
        assertThat(store.flush(List.of(new PartitionStore.Flush(batch, claim.epoch(), 0)))).containsExactly(true);

        assertThat(redis.value(byte[].class).get(RedisKeys.user(PARTITION, "u1"))).isNotNull();
        assertThat(redis.sortedSet(String.class).zscore(RedisKeys.schedule(PARTITION), "u1")).hasValue(1234.0);
        assertThat(redis.set(String.class).sismember(RedisKeys.users(PARTITION), "u1")).isTrue();
        PartitionStore.Claim next = store.claim(List.of(PARTITION)).get(0);
        assertThat(next.nextOffset()).isEqualTo(42);
        assertThat(next.unpublished()).containsExactly("{\"userId\":\"u1\",\"version\":1}");
        assertThat(Long.parseLong(next.epoch())).isGreaterThan(Long.parseLong(claim.epoch()));
    }

    @Test
    void aFlushFindingAnOlderStateThanItStoredWritesNothingAndSaysTheStateWasLost() {
        PartitionStore.Claim claim = store.claim(List.of(PARTITION)).get(0);
        assertThat(store.flush(List.of(new PartitionStore.Flush(batchWithUser("u1", 10, "{}"), claim.epoch(), 0,
                claim.flushes())))).containsExactly(true);
        Map<String, String> afterFirst = redis.hash(String.class).hgetall(RedisKeys.partitionState(PARTITION));
        assertThat(store.flush(List.of(new PartitionStore.Flush(batchWithUser("u1", 20, "{}"), claim.epoch(), 0,
                claim.flushes() + 1)))).containsExactly(true);

        // A failover to a replica that had not received the last flush: the partition's state is as the first left it.
        redis.key().del(RedisKeys.partitionState(PARTITION));
        redis.hash(String.class).hset(RedisKeys.partitionState(PARTITION), afterFirst);
        assertThatThrownBy(() -> store.flush(List.of(new PartitionStore.Flush(batchWithUser("u2", 30, "{}"), claim.epoch(), 0,
                claim.flushes() + 2)))).isInstanceOf(PartitionStore.StateLost.class);

        assertThat(redis.value(byte[].class).get(RedisKeys.user(PARTITION, "u2"))).isNull();
        assertThat(store.claim(List.of(PARTITION)).get(0).nextOffset()).isEqualTo(10);
    }

    @Test
    void aFlushThatMovedNoOffsetAndWasLostIsNoticedByTheNextFlush() {
        PartitionStore.Claim claim = store.claim(List.of(PARTITION)).get(0);
        assertThat(store.flush(List.of(new PartitionStore.Flush(batchWithUser("u1", 10, "{}"), claim.epoch(), 0,
                claim.flushes())))).containsExactly(true);
        // A flush of a wake only (a time flip with no event): it moves no offset.
        PartitionBatch wake = new PartitionBatch(PARTITION);
        wake.wake("u1", 5678);
        assertThat(store.flush(List.of(new PartitionStore.Flush(wake, claim.epoch(), 0, claim.flushes() + 1))))
                .containsExactly(true);

        // A failover to a replica that had not received the wake's flush: the offset is the same, the count is not.
        redis.hash(String.class).hset(RedisKeys.partitionState(PARTITION), RedisKeys.FLUSHES_FIELD,
                Long.toString(claim.flushes() + 1));
        assertThatThrownBy(() -> store.flush(List.of(new PartitionStore.Flush(batchWithUser("u2", 20, "{}"), claim.epoch(), 0,
                claim.flushes() + 2))))
                .isInstanceOf(PartitionStore.StateLost.class).hasMessageContaining("flushes");
        assertThat(redis.value(byte[].class).get(RedisKeys.user(PARTITION, "u2"))).isNull();
        assertThat(store.claim(List.of(PARTITION)).get(0).flushes()).isEqualTo(claim.flushes() + 1);
    }

    @Test
    void aFlushFindingAnEarlierClaimThanItsOwnWritesNothingAndSaysTheStateWasLost() {
        PartitionStore.Claim first = store.claim(List.of(PARTITION)).get(0);
        PartitionStore.Claim claim = store.claim(List.of(PARTITION)).get(0);
        assertThat(store.flush(List.of(new PartitionStore.Flush(batchWithUser("u1", 10, "{}"), claim.epoch(), 0))))
                .containsExactly(true);

        // A failover to a replica that had not received the last claim: the epoch went back. No one else owns the
        // partition, so it is claimed again, not dropped as if another instance had.
        redis.hash(String.class).hset(RedisKeys.partitionState(PARTITION), RedisKeys.EPOCH_FIELD, first.epoch());
        assertThatThrownBy(() -> store.flush(List.of(new PartitionStore.Flush(batchWithUser("u2", 20, "{}"), claim.epoch(), 0, claim.flushes() + 1))))
                .isInstanceOf(PartitionStore.StateLost.class).hasMessageContaining("epoch " + claim.epoch());

        // The partition's whole state lost: the same.
        redis.key().del(RedisKeys.partitionState(PARTITION));
        assertThatThrownBy(() -> store.flush(List.of(new PartitionStore.Flush(batchWithUser("u2", 20, "{}"), claim.epoch(), 0, claim.flushes() + 1))))
                .isInstanceOf(PartitionStore.StateLost.class);
        assertThat(redis.value(byte[].class).get(RedisKeys.user(PARTITION, "u2"))).isNull();
    }

    @Test
    void aFencedOwnersFlushWritesNothing() {
        PartitionStore.Claim stale = store.claim(List.of(PARTITION)).get(0);
        PartitionStore.Claim current = store.claim(List.of(PARTITION)).get(0);
        assertThat(store.flush(List.of(new PartitionStore.Flush(batchWithUser("u1", 10, "{}"), current.epoch(), 0))))
                .containsExactly(true);

        // The stalled previous owner wakes up and writes what it had: refused as a whole.
        assertThat(store.flush(List.of(new PartitionStore.Flush(batchWithUser("u2", 5, "{\"stale\":true}"), stale.epoch(), 0))))
                .containsExactly(false);

        assertThat(redis.value(byte[].class).get(RedisKeys.user(PARTITION, "u2"))).isNull();
        PartitionStore.Claim after = store.claim(List.of(PARTITION)).get(0);
        assertThat(after.nextOffset()).isEqualTo(10);
        assertThat(after.unpublished()).containsExactly("{}");
    }

    @Test
    void acknowledgedChangeRecordsAreTrimmedByTheNextFlush() {
        PartitionStore.Claim claim = store.claim(List.of(PARTITION)).get(0);
        store.flush(List.of(new PartitionStore.Flush(batchWithUser("u1", 1, "{\"v\":1}"), claim.epoch(), 0)));
        store.flush(List.of(new PartitionStore.Flush(batchWithUser("u1", 2, "{\"v\":2}"), claim.epoch(), 1)));

        assertThat(redis.list(String.class).lrange(RedisKeys.changes(PARTITION), 0, -1)).as("one entry per flush")
                .containsExactly(PendingRecord.pack(List.of("{\"v\":2}")));
    }

    @Test
    void anErasedUsersRecordWakeAndRegistryEntryGo() {
        PartitionStore.Claim claim = store.claim(List.of(PARTITION)).get(0);
        store.flush(List.of(new PartitionStore.Flush(batchWithUser("u1", 1, "{}"), claim.epoch(), 0)));
        PartitionBatch erase = new PartitionBatch(PARTITION);
        UserRecord record = UserRecord.empty("u1");
        // Through the processor, as the engine erases: an erasure event of a user with no memberships.
        new io.segflow.segment.apply.UserProcessor(60_000, new NoListener()).erase(erase, record, Span.getInvalid(), 5);

        assertThat(store.flush(List.of(new PartitionStore.Flush(erase, claim.epoch(), 1)))).containsExactly(true);

        assertThat(redis.value(byte[].class).get(RedisKeys.user(PARTITION, "u1"))).isNull();
        assertThat(redis.sortedSet(String.class).zscore(RedisKeys.schedule(PARTITION), "u1")).isEmpty();
        assertThat(redis.set(String.class).sismember(RedisKeys.users(PARTITION), "u1")).isFalse();
    }

    /** Thousands of values in every part of one flush: stored whole, not half. */
    @Test
    void aFlushOfThousandsOfUsersIsStoredWhole() {
        PartitionStore.Claim claim = store.claim(List.of(PARTITION)).get(0);
        PartitionBatch batch = new PartitionBatch(PARTITION);
        int users = 4_500;
        for (int i = 0; i < users; i++) {
            UserRecord record = UserRecord.empty("big-" + i);
            batch.written().put(record.userId(), record);
            batch.wake(record.userId(), 1_000 + i);
            batch.registered().add(record.userId());
            batch.change(new PartitionBatch.Change(record.userId(), "s", true, 1, "{\"n\":" + i + "}", Span.getInvalid()));
            batch.change(new PartitionBatch.Change(record.userId(), "t", true, 1, "{\"m\":" + i + "}", Span.getInvalid()));
        }
        batch.consumedUpTo(77);

        assertThat(store.flush(List.of(new PartitionStore.Flush(batch, claim.epoch(), 0)))).containsExactly(true);

        assertThat(redis.sortedSet(String.class).zcard(RedisKeys.schedule(PARTITION))).isEqualTo(users);
        assertThat(redis.set(String.class).scard(RedisKeys.users(PARTITION))).isEqualTo(users);
        assertThat(redis.sortedSet(String.class).zcard(RedisKeys.segmentMembers(PARTITION, "t"))).isEqualTo(users);
        assertThat(redis.value(byte[].class).get(RedisKeys.user(PARTITION, "big-" + (users - 1)))).isNotNull();
        PartitionStore.Claim next = store.claim(List.of(PARTITION)).get(0);
        assertThat(next.nextOffset()).isEqualTo(77);
        assertThat(next.unpublished()).hasSize(2 * users).startsWith("{\"n\":0}").endsWith("{\"m\":" + (users - 1) + "}");
        assertThat(next.pendingEntries()).as("a flush's records are one entry of the pending list").isEqualTo(1);
        for (int i = 0; i < users; i++) {
            redis.key().del(RedisKeys.user(PARTITION, "big-" + i));
        }
    }

    /** A round stores the previous round and reads for itself in one round trip: the reads see the write. */
    @Test
    void readsSentWithAFlushSeeWhatItWrote() {
        PartitionStore.Claim claim = store.claim(List.of(PARTITION)).get(0);
        String revision = redis.value(String.class).get(RedisKeys.SEGMENTS_REVISION); // the engine's: left as it is
        for (long offset : new long[] {10, 11}) { // the first flush checks before it writes, the second was checked ahead
            PartitionStore.FlushedAndLoaded done = store.flushThenLoad(
                    List.of(new PartitionStore.Flush(batchWithUser("u1", offset, "{}"), claim.epoch(), 0)), catalogRevision(),
                    Map.of(PARTITION, List.of("u1", "u2")), null);

            assertThat(done.stored()).containsExactly(true);
            assertThat(done.loaded().stored().get("u1")).isEqualTo(redis.value(byte[].class).get(RedisKeys.user(PARTITION, "u1")))
                    .isNotNull();
            assertThat(done.loaded().stored()).containsEntry("u2", null);
            assertThat(done.loaded().catalogRevision()).isEqualTo(revision);
            assertThat(store.claim(List.of(PARTITION)).get(0).nextOffset()).isEqualTo(offset);
            claim = store.claim(List.of(PARTITION)).get(0);
        }
    }

    /** A backfill's next users are listed in the round trip that stores the round: the listing sees the new user. */
    @Test
    void aListingSentWithAFlushSeesTheUsersItRegistered() {
        PartitionStore.Claim claim = store.claim(List.of(PARTITION)).get(0);
        PartitionStore.ScanAhead scan = new PartitionStore.ScanAhead(PARTITION, "0", 100);
        assertThat(store.loadWithCatalogRevision(Map.of(), scan).scanned().users()).isEmpty();

        PartitionStore.FlushedAndLoaded done = store.flushThenLoad(
                List.of(new PartitionStore.Flush(batchWithUser("u1", 10, "{}"), claim.epoch(), 0)), catalogRevision(),
                Map.of(PARTITION, List.of("u2")), scan);

        assertThat(done.stored()).containsExactly(true);
        assertThat(done.loaded().scanned().users()).containsExactly("u1");
        assertThat(done.loaded().scanned().nextCursor()).isEqualTo("0");
        assertThat(done.loaded().stored()).containsOnlyKeys("u2").containsEntry("u2", null);
        assertThat(store.flushThenLoad(List.of(), catalogRevision(), Map.of(PARTITION, List.of("u1")), null).loaded().scanned())
                .as("no listing asked for").isNull();
    }

    @Test
    void aFencedFlushWritesNothingAndItsReadsAreStillAnswered() {
        PartitionStore.Claim stale = store.claim(List.of(PARTITION)).get(0);
        store.claim(List.of(PARTITION));

        PartitionStore.FlushedAndLoaded done = store.flushThenLoad(
                List.of(new PartitionStore.Flush(batchWithUser("u1", 10, "{}"), stale.epoch(), 0)), catalogRevision(),
                Map.of(PARTITION, List.of("u1")), null);

        assertThat(done.stored()).containsExactly(false);
        assertThat(done.loaded().stored()).containsEntry("u1", null);
    }

    /** Another instance claims between the owner's check and its write: the watch aborts the write, the next check refuses it. */
    @Test
    void aClaimBetweenTheCheckAndTheWriteLeavesTheFlushUnwritten() {
        PartitionStore.Claim claim = store.claim(List.of(PARTITION)).get(0);
        AtomicInteger checks = new AtomicInteger();

        List<Boolean> stored = store.flush(List.of(new PartitionStore.Flush(batchWithUser("u1", 10, "{}"), claim.epoch(), 0)), () -> {
            if (checks.incrementAndGet() == 1) {
                store.claim(List.of(PARTITION));
            }
        });

        assertThat(stored).containsExactly(false);
        assertThat(checks).as("the second check saw the new epoch and wrote nothing").hasValue(1);
        assertThat(redis.value(byte[].class).get(RedisKeys.user(PARTITION, "u1"))).isNull();
        PartitionStore.Claim next = store.claim(List.of(PARTITION)).get(0);
        assertThat(next.nextOffset()).isEqualTo(-1);
        assertThat(next.unpublished()).isEmpty();
    }

    /**
     * A round evaluated against one catalog is refused once a segment is saved after the revision its connection
     * watches: nothing of it is written, and evaluated again against the new catalog it is stored.
     */
    @Test
    void aRoundEvaluatedAgainstTheCatalogBeforeASaveWritesNothing() {
        PartitionStore.Claim claim = store.claim(List.of(PARTITION)).get(0);
        long evaluatedWith = catalogRevision();
        assertThat(store.flush(List.of(new PartitionStore.Flush(batchWithUser("u1", 10, "{}"), claim.epoch(), 0)), evaluatedWith))
                .containsExactly(true);
        assertThat(watchedRevision()).as("what the next round is evaluated against, with no read of its own")
                .contains(evaluatedWith);

        long saved = saveASegment();
        assertThatThrownBy(() -> store.flush(
                List.of(new PartitionStore.Flush(batchWithUser("u2", 11, "{}"), claim.epoch(), 0, claim.flushes() + 1)), evaluatedWith))
                .isInstanceOf(PartitionStore.CatalogChanged.class);

        assertThat(redis.value(byte[].class).get(RedisKeys.user(PARTITION, "u2"))).isNull();
        assertThat(store.flush(List.of(new PartitionStore.Flush(batchWithUser("u2", 11, "{}"), claim.epoch(), 0, claim.flushes() + 1)), saved))
                .containsExactly(true);
        assertThat(redis.value(byte[].class).get(RedisKeys.user(PARTITION, "u2"))).isNotNull();
        assertThat(store.claim(List.of(PARTITION)).get(0).nextOffset()).isEqualTo(11);
    }

    /**
     * A round evaluated against a catalog newer than the revision the connection watches (the engine read the
     * catalog on its own, with no flush since the save) is stored, and the watch moves to that revision: refusing it
     * would rewind every round until a flush happened to read the revision again.
     */
    @Test
    void aRoundEvaluatedAgainstACatalogNewerThanTheWatchedRevisionIsStored() {
        PartitionStore.Claim claim = store.claim(List.of(PARTITION)).get(0);
        assertThat(store.flush(List.of(new PartitionStore.Flush(batchWithUser("u1", 10, "{}"), claim.epoch(), 0)), catalogRevision()))
                .containsExactly(true);

        long saved = saveASegment();
        assertThat(store.flush(List.of(new PartitionStore.Flush(batchWithUser("u2", 11, "{}"), claim.epoch(), 0, claim.flushes() + 1)), saved))
                .containsExactly(true);

        assertThat(redis.value(byte[].class).get(RedisKeys.user(PARTITION, "u2"))).isNotNull();
        assertThat(watchedRevision()).contains(saved);
        assertThat(store.flush(List.of(new PartitionStore.Flush(batchWithUser("u3", 12, "{}"), claim.epoch(), 0, claim.flushes() + 2)), saved))
                .containsExactly(true);
    }

    /** A save between the check of a flush and its write aborts the write; the next check refuses the round. */
    @Test
    void aSegmentSavedBetweenTheCheckAndTheWriteLeavesTheRoundUnwritten() {
        PartitionStore.Claim claim = store.claim(List.of(PARTITION)).get(0); // a new epoch: the flush checks first
        long evaluatedWith = catalogRevision();
        AtomicInteger checks = new AtomicInteger();

        assertThatThrownBy(() -> store.flush(List.of(new PartitionStore.Flush(batchWithUser("u1", 10, "{}"), claim.epoch(), 0)),
                evaluatedWith, () -> {
                    if (checks.incrementAndGet() == 1) {
                        saveASegment();
                    }
                })).isInstanceOf(PartitionStore.CatalogChanged.class);

        assertThat(checks).as("the second check read the new revision and wrote nothing").hasValue(1);
        assertThat(redis.value(byte[].class).get(RedisKeys.user(PARTITION, "u1"))).isNull();
        assertThat(store.claim(List.of(PARTITION)).get(0).nextOffset()).isEqualTo(-1);
    }

    /** Writes that no catalog decided (a trim, a revoked partition's last acknowledgements) go through a save. */
    @Test
    void aFlushThatNoCatalogDecidedIsWrittenAfterASave() {
        PartitionStore.Claim claim = store.claim(List.of(PARTITION)).get(0);
        assertThat(store.flush(List.of(new PartitionStore.Flush(batchWithUser("u1", 10, "{}"), claim.epoch(), 0)), catalogRevision()))
                .containsExactly(true);

        saveASegment();

        assertThat(store.flush(List.of(new PartitionStore.Flush(batchWithUser("u2", 11, "{}"), claim.epoch(), 0, claim.flushes() + 1))))
                .containsExactly(true);
        assertThat(store.claim(List.of(PARTITION)).get(0).nextOffset()).isEqualTo(11);
    }

    private java.util.Optional<Long> watchedRevision() {
        return store.watchedCatalogRevision().map(watched -> RedisKeys.catalogRevision(watched.value()));
    }

    private long catalogRevision() {
        return RedisKeys.catalogRevision(redis.value(String.class).get(RedisKeys.SEGMENTS_REVISION));
    }

    /** As the api-function saves one: the revision goes up (the running engine reloads the same segments). */
    private long saveASegment() {
        return redis.value(Long.class).incr(RedisKeys.SEGMENTS_REVISION);
    }

    @Test
    void aMergeStoresTheForwardAndItsStepRecordsForANewOwnerToPublish() {
        PartitionStore.Claim claim = store.claim(List.of(PARTITION)).get(0);
        store.flush(List.of(new PartitionStore.Flush(batchWithUser("u1", 1, "{\"v\":1}"), claim.epoch(), 0)));
        PartitionBatch merge = new PartitionBatch(PARTITION);
        UserRecord anonymous = UserRecord.empty("u1"); // events with only an anonymousId: not a known user
        // Through the processor, as the engine handles a merge request of u1 into u2.
        new io.segflow.segment.apply.UserProcessor(60_000, new NoListener()).onMergeRequest(merge, anonymous, "u2", Span.getInvalid(), 5);
        merge.consumedUpTo(2);

        assertThat(store.flush(List.of(new PartitionStore.Flush(merge, claim.epoch(), 0)))).containsExactly(true);

        UserRecord forward = UserRecordCodec.decode("u1", redis.value(byte[].class).get(RedisKeys.user(PARTITION, "u1")));
        assertThat(forward.mergedInto()).isEqualTo("u2");
        assertThat(redis.sortedSet(String.class).zscore(RedisKeys.schedule(PARTITION), "u1")).isEmpty();
        assertThat(redis.set(String.class).sismember(RedisKeys.users(PARTITION), "u1")).as("in the backfills' registry").isFalse();
        List<PendingRecord> pending = store.claim(List.of(PARTITION)).get(0).unpublished().stream()
                .map(stored -> PendingRecord.decode(stored, json -> "u1")).toList();
        assertThat(pending).extracting(PendingRecord::topic)
                .containsExactly(Topics.SEGMENT_CHANGES, Topics.SEGMENT_CHANGES, Topics.EVENTS);
        assertThat(pending.get(1).value()).contains("\"change\":\"merged\"").contains("\"cause\":\"merged-into:u2\"");
        PendingRecord profile = pending.get(2);
        assertThat(profile.key()).isEqualTo("u2");
        assertThat(IdentityRecords.profileFrom(Json.read(profile.value(), io.segflow.core.event.Event.class))).isEqualTo("u1");
    }

    private static PartitionBatch batchWithUser(String user, long nextOffset, String change) {
        PartitionBatch batch = new PartitionBatch(PARTITION);
        io.segflow.segment.apply.UserProcessor processor = new io.segflow.segment.apply.UserProcessor(60_000, new NoListener());
        UserRecord record = UserRecord.empty(user);
        processor.onEvent(batch, record, true, trackEvent(user, "page", "m-" + nextOffset), Span.getInvalid(),
                new io.segflow.segment.catalog.SegmentCatalog.Current(io.segflow.core.engine.SegmentIndex.empty(),
                        io.segflow.core.profile.Scoring.NONE), 1_000);
        batch.wake(user, 1234);
        batch.change(new PartitionBatch.Change(user, "s", true, 1, change, Span.getInvalid()));
        batch.consumedUpTo(nextOffset);
        assertThat(UserRecordCodec.decode(user, UserRecordCodec.encode(record)).profile().count("page")).isEqualTo(1);
        return batch;
    }

    static final class NoListener implements io.segflow.segment.apply.UserProcessor.Listener {
        @Override
        public void duplicate() {
        }

        @Override
        public void evaluationError(String condition, String user, Exception error) {
        }
    }
}
