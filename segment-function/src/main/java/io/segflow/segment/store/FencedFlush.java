package io.segflow.segment.store;

import io.segflow.core.redis.RedisKeys;
import io.segflow.core.state.PendingRecord;
import io.segflow.segment.apply.PartitionBatch;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Stores rounds of the owned partitions, fenced: the partitions' state keys are watched ({@code WATCH}) and their
 * owner epochs and flush counts read, then the writes go as one {@code MULTI}/{@code EXEC}, which a claim by
 * another instance in between aborts. Plain commands in a transaction rather than a script: Redis copies a script's
 * arguments into Lua and out again, which doubles its time per round. A single Redis takes all the partitions of a
 * round in one transaction, through a connection kept from round to round; a cluster holds a transaction to one
 * slot, so there each partition has its own, in turn.
 *
 * <p>On a single Redis the kept connection also watches the segment catalog's revision: a round evaluated against
 * one catalog is refused ({@link PartitionStore.CatalogChanged}) when a segment was saved since the revision it was
 * read with, so the round needs no read of the revision before its events when memory holds its users.
 */
final class FencedFlush {
    /** Flushes in a row whose EXEC a change of a watched state key aborted, before the round gives up. */
    private static final int MAX_FLUSH_ATTEMPTS = 5;

    /**
     * On a single Redis, the connection the flushes go through, kept from one round to the next: after its EXEC a
     * flush watches and reads the state of the partitions it wrote, so that a next flush over those has its check
     * done already (one round trip per round, not two).
     */
    private RedisPipeline.Held writer;
    /** When {@link #writer} was last used ({@link System#nanoTime()}). */
    private long writerUsedNanos;
    /** The partitions whose state {@link #writer} watches, with the epoch and flush count read after the watch. */
    private final Map<Integer, StoredState> checkedAhead = new HashMap<>();
    /** The catalog revision read after {@link #writer} watched it; null while it watches none. */
    private PartitionStore.WatchedRevision watched;

    /** A partition's owner epoch and flush count, as an {@code HMGET} of its state read them (null when absent). */
    private record StoredState(String epoch, String flushes) {
        StoredState(Response hmget) {
            this(RedisPipeline.text(hmget.get(0)), RedisPipeline.text(hmget.get(1)));
        }

        boolean ownedBy(PartitionStore.Flush flush) {
            return flush.epoch().equals(epoch);
        }

        /**
         * Whether another instance claimed the partition since: a later epoch. Epochs only grow, so an earlier one, or
         * none, means Redis lost the claim this owner made (a failover to a replica without it).
         */
        boolean claimedByAnother(PartitionStore.Flush flush) {
            return epoch != null && Long.parseLong(epoch) > Long.parseLong(flush.epoch());
        }

        /**
         * Whether Redis holds every flush the owner stored (lost in a failover to a replica behind its master, or an
         * AOF rewind), whether it moved the offset or not (wakes, a backfill chunk, a trim). Not checked when the owner
         * counted none.
         */
        boolean holdsFlushesOf(PartitionStore.Flush flush) {
            return flush.storedFlushes() < 0 || Long.toString(flush.storedFlushes()).equals(flushes == null ? "0" : flushes);
        }
    }

    private final RedisPipeline pipeline;

    FencedFlush(RedisPipeline pipeline) {
        this.pipeline = pipeline;
    }

    /**
     * Per flush in order, whether it was stored; and the replies to {@code reads} when they went in the same round
     * trip, right after the write (null when they did not: on a cluster, or when nothing was written).
     */
    record Result(List<Boolean> stored, List<Response> reads) {
    }

    /**
     * See {@link PartitionStore#flush(List)}. On a single Redis, {@code reads} go with the write, after it on the same
     * connection: they see what it wrote. One flush at a time: they share the kept connection.
     */
    synchronized Result flush(List<PartitionStore.Flush> flushes, CatalogCheck catalog, Runnable betweenCheckAndWrite,
                              List<SlotRequest> reads) {
        Boolean[] stored = new Boolean[flushes.size()];
        List<Response> readReplies = null;
        if (pipeline.isCluster()) {
            for (int i = 0; i < flushes.size(); i++) {
                try (RedisPipeline.Held held = pipeline.hold()) {
                    store(held, flushes, List.of(i), stored, CatalogCheck.NONE, betweenCheckAndWrite, false, List.of());
                }
            }
        } else if (!flushes.isEmpty()) {
            try {
                dropWriterIfIdle();
                if (writer == null) {
                    writer = pipeline.hold();
                }
                readReplies = store(writer, flushes, IntStream.range(0, flushes.size()).boxed().toList(), stored,
                        catalog, betweenCheckAndWrite, true, reads);
                writerUsedNanos = System.nanoTime();
            } catch (RuntimeException e) {
                dropWriter();
                throw e;
            }
        }
        return new Result(Arrays.asList(stored), readReplies);
    }

    /**
     * The catalog revision the kept connection watches, as read right after its watch, while it watches one: a round
     * evaluated against it is stored unless a segment is saved meanwhile. Empty when none is watched (on a cluster,
     * before the first flush, after a failed one).
     */
    synchronized Optional<PartitionStore.WatchedRevision> watchedRevision() {
        return Optional.ofNullable(watched);
    }

    /**
     * Gives the kept connection back once it went unused for {@link RedisPipeline#keepIdleNanos()}: after a quiet spell the
     * client would close it for its idle timeout, taking its watch, and the next flush would fail (a failed round
     * claims every partition again). Its successor checks again, one round trip more after a quiet spell, the catalog
     * revision a round was evaluated against among it: a save meanwhile is found then, as under the watch.
     */
    private void dropWriterIfIdle() {
        if (writer != null && System.nanoTime() - writerUsedNanos > pipeline.keepIdleNanos()) {
            dropWriter();
        }
    }

    /**
     * The catalog revision a flush's round was evaluated against, checked under the watch before it is written
     * ({@link #NONE}: a flush whose writes do not depend on the catalog, such as a trim).
     */
    record CatalogCheck(boolean checked, long revision) {
        static final CatalogCheck NONE = new CatalogCheck(false, 0);

        static CatalogCheck of(long revision) {
            return new CatalogCheck(true, revision);
        }

        /** Whether a round of this revision may not be written while {@code stored} is the stored revision. */
        boolean refuses(String stored) {
            return checked && revision != RedisKeys.catalogRevision(stored);
        }

        /**
         * Whether the watch of {@code watched} (null: none) covers the check: the round was evaluated against the
         * watched revision, or needs no check. Else a check reads the stored revision: the round's may be older than
         * the watched one, or newer (read since the last flush), which only a read tells.
         */
        boolean coveredBy(PartitionStore.WatchedRevision watched) {
            return !checked || watched != null && !refuses(watched.value());
        }
    }

    private void dropWriter() {
        checkedAhead.clear();
        watched = null;
        if (writer != null) {
            try {
                // back to the pool with no watch left, whatever failed
                unwatch(writer, RedisKeys.SEGMENTS_REVISION);
            } catch (RuntimeException ignored) {
                // a broken connection: the pool drops it
            }
            try {
                writer.close();
            } catch (RuntimeException ignored) {
                // a broken connection: the pool drops it
            }
            writer = null;
        }
    }

    /**
     * Checks and writes the flushes of one transaction, again while a watched state changes in between.
     * {@code keepChecking}: the connection is kept, and the write watches and reads what the next check needs.
     * Returns the replies to {@code reads}, sent after the write that went through (null when none was written).
     */
    private List<Response> store(RedisPipeline.Held held, List<PartitionStore.Flush> flushes, List<Integer> transaction,
                                 Boolean[] stored, CatalogCheck catalog, Runnable betweenCheckAndWrite, boolean keepChecking,
                                 List<SlotRequest> reads) {
        List<Integer> writable = keepChecking && catalog.coveredBy(watched) ? checkedAhead(flushes, transaction) : null;
        for (int attempt = 1; ; attempt++) {
            if (writable == null) {
                writable = check(held, flushes, transaction, stored, keepChecking ? catalog : CatalogCheck.NONE);
                if (writable.isEmpty()) {
                    return null;
                }
                betweenCheckAndWrite.run();
            }
            List<Response> readReplies = write(held, flushes, writable, stored, keepChecking, reads);
            if (readReplies != null) {
                return readReplies;
            }
            writable = null;
            if (attempt == MAX_FLUSH_ATTEMPTS) {
                throw new IllegalStateException("the partitions' state kept changing between the check and the write of "
                        + MAX_FLUSH_ATTEMPTS + " flushes in a row");
            }
        }
    }

    /**
     * The flushes, when the last write watched every one's partition and read the epoch it writes with and the
     * flush count it expects; else null (a check is needed).
     */
    private List<Integer> checkedAhead(List<PartitionStore.Flush> flushes, List<Integer> transaction) {
        for (int i : transaction) {
            PartitionStore.Flush flush = flushes.get(i);
            StoredState state = checkedAhead.get(flush.batch().partition());
            if (state == null || !state.ownedBy(flush) || !state.holdsFlushesOf(flush)) {
                return null;
            }
        }
        return transaction;
    }

    /**
     * Watches the state of each partition of the transaction not decided yet and reads its epoch and flush count. A
     * partition claimed by another instance is decided: not stored. Returns the flushes that may be written; when
     * there are none, or a partition lost its state, the watches are dropped.
     */
    private List<Integer> check(RedisPipeline.Held held, List<PartitionStore.Flush> flushes, List<Integer> transaction, Boolean[] stored,
                                CatalogCheck catalog) {
        checkedAhead.clear();
        watched = null;
        List<Integer> pending = new ArrayList<>();
        for (int i : transaction) {
            if (stored[i] == null) {
                pending.add(i);
            }
        }
        if (pending.isEmpty()) {
            return List.of();
        }
        List<String> states = pending.stream().map(i -> stateOf(flushes.get(i))).toList();
        List<SlotRequest> checks = new ArrayList<>();
        checks.add(new SlotRequest(states.get(0), Request.cmd(Command.UNWATCH))); // what an earlier write watched
        checks.add(watch(states, catalog.checked()));
        states.forEach(state -> checks.add(new SlotRequest(state, readState(state))));
        if (catalog.checked()) {
            checks.add(SlotRequest.get(RedisKeys.SEGMENTS_REVISION));
        }
        List<Response> replies = held.run(checks);
        if (catalog.checked()) {
            String revision = RedisPipeline.text(replies.get(replies.size() - 1));
            if (catalog.refuses(revision)) {
                unwatch(held, states.get(0));
                throw new PartitionStore.CatalogChanged(catalog.revision(), RedisKeys.catalogRevision(revision));
            }
        }
        List<Integer> writable = new ArrayList<>(pending.size());
        for (int n = 0; n < pending.size(); n++) {
            int i = pending.get(n);
            PartitionStore.Flush flush = flushes.get(i);
            StoredState state = new StoredState(replies.get(2 + n));
            if (state.claimedByAnother(flush)) {
                stored[i] = false;
            } else if (!state.ownedBy(flush)) {
                unwatch(held, stateOf(flush));
                throw new PartitionStore.StateLost(flush.batch().partition(), "its claim (epoch " + flush.epoch() + ", Redis holds "
                        + state.epoch() + ")");
            } else if (!state.holdsFlushesOf(flush)) {
                unwatch(held, stateOf(flush));
                throw new PartitionStore.StateLost(flush.batch().partition(), "the " + flush.storedFlushes()
                        + " flushes this owner stored (Redis holds " + state.flushes() + ")");
            } else {
                writable.add(i);
            }
        }
        if (writable.isEmpty()) {
            unwatch(held, states.get(0));
        }
        return writable;
    }

    /**
     * One WATCH of the state keys, and of the catalog revision with them if {@code withRevision}: several keys only on
     * a single Redis (a cluster checks and writes one partition at a time, and refuses keys of several slots in one
     * command).
     */
    private static SlotRequest watch(List<String> states, boolean withRevision) {
        Request watch = Request.cmd(Command.WATCH);
        states.forEach(watch::arg);
        if (withRevision) {
            watch.arg(RedisKeys.SEGMENTS_REVISION);
        }
        return new SlotRequest(states.get(0), watch);
    }

    private static Request readState(String state) {
        return Request.cmd(Command.HMGET).arg(state).arg(RedisKeys.EPOCH_FIELD).arg(RedisKeys.FLUSHES_FIELD);
    }

    /** Drops the connection's watches; the key only routes the command to its server on a cluster. */
    private static void unwatch(RedisPipeline.Held held, String key) {
        held.run(List.of(new SlotRequest(key, Request.cmd(Command.UNWATCH)), new SlotRequest(key, Request.cmd(Command.EXISTS).arg(key))));
    }

    /**
     * Writes the flushes in one transaction, followed by {@code reads}, and returns the replies to those. Returns null
     * when the transaction was aborted (a watched state changed): the flushes stay undecided for the next check.
     * {@code keepChecking}: then watches and reads the state of the partitions written, and of those watched before
     * whose epoch did not change, for the next flush.
     */
    private List<Response> write(RedisPipeline.Held held, List<PartitionStore.Flush> flushes, List<Integer> writable,
                                 Boolean[] stored, boolean keepChecking, List<SlotRequest> reads) {
        List<SlotRequest> transaction = new ArrayList<>();
        String first = stateOf(flushes.get(writable.get(0)));
        transaction.add(new SlotRequest(first, Request.cmd(Command.MULTI)));
        for (int i : writable) {
            String state = stateOf(flushes.get(i));
            appendWrites(flushes.get(i), request -> transaction.add(new SlotRequest(state, request)));
        }
        transaction.add(new SlotRequest(first, Request.cmd(Command.EXEC)));
        int exec = transaction.size() - 1;
        Map<Integer, String> epochs = new LinkedHashMap<>();
        if (keepChecking) {
            checkedAhead.forEach((partition, state) -> epochs.put(partition, state.epoch()));
            writable.forEach(i -> epochs.put(flushes.get(i).batch().partition(), flushes.get(i).epoch()));
            checkedAhead.clear();
            List<String> states = epochs.keySet().stream().map(RedisKeys::partitionState).toList();
            transaction.add(watch(states, true));
            states.forEach(state -> transaction.add(new SlotRequest(state, readState(state))));
            transaction.add(SlotRequest.get(RedisKeys.SEGMENTS_REVISION));
        }
        int firstRead = transaction.size();
        transaction.addAll(reads);
        List<Response> replies = held.run(transaction);
        Response results = replies.get(exec);
        if (results == null) {
            return null;
        }
        for (Response result : results) {
            if (result != null && result.type() == ResponseType.ERROR) {
                throw new IllegalStateException("a flush's write failed in Redis: " + result);
            }
        }
        writable.forEach(i -> stored[i] = true);
        int n = 0;
        for (Map.Entry<Integer, String> watched : epochs.entrySet()) {
            StoredState state = new StoredState(replies.get(exec + 2 + n++));
            if (watched.getValue().equals(state.epoch())) {
                checkedAhead.put(watched.getKey(), state);
            }
        }
        if (keepChecking) {
            watched = new PartitionStore.WatchedRevision(RedisPipeline.text(replies.get(firstRead - 1)));
        }
        return replies.subList(firstRead, replies.size());
    }

    private static String stateOf(PartitionStore.Flush flush) {
        return RedisKeys.partitionState(flush.batch().partition());
    }

    /** A flush's writes, in the order a reader expects them (all are applied at once by the EXEC). */
    private static void appendWrites(PartitionStore.Flush flush, Consumer<Request> out) {
        PartitionBatch batch = flush.batch();
        int partition = batch.partition();
        String schedule = RedisKeys.schedule(partition);
        String users = RedisKeys.users(partition);
        String changes = RedisKeys.changes(partition);
        if (!batch.written().isEmpty()) {
            Request mset = Request.cmd(Command.MSET);
            batch.encoded().forEach((user, value) -> mset.arg(RedisKeys.user(partition, user)).arg(value));
            out.accept(mset);
        }
        if (!batch.erased().isEmpty()) {
            Request del = Request.cmd(Command.DEL);
            batch.erased().forEach(user -> del.arg(RedisKeys.user(partition, user)));
            out.accept(del);
        }
        if (!batch.wakes().isEmpty()) {
            Request zadd = Request.cmd(Command.ZADD).arg(schedule);
            batch.wakes().forEach((user, at) -> zadd.arg(at).arg(user));
            out.accept(zadd);
        }
        addIfAny(out, Command.ZREM, schedule, batch.wakesRemoved());
        addIfAny(out, Command.SADD, users, batch.registered());
        addIfAny(out, Command.SREM, users, batch.unregistered());
        memberIndexes(batch.changes()).forEach((segment, writes) -> {
            String members = RedisKeys.segmentMembers(partition, segment);
            if (!writes.entered().isEmpty()) {
                Request zadd = Request.cmd(Command.ZADD).arg(members);
                writes.entered().forEach((user, since) -> zadd.arg(since).arg(user));
                out.accept(zadd);
            }
            addIfAny(out, Command.ZREM, members, writes.exited());
        });
        if (flush.acknowledged() > 0) {
            out.accept(Request.cmd(Command.LTRIM).arg(changes).arg(flush.acknowledged()).arg(-1));
        }
        if (!batch.changes().isEmpty() || !batch.sends().isEmpty()) {
            List<String> records = new ArrayList<>(batch.pendingRecords());
            batch.changes().forEach(change -> records.add(change.json()));
            batch.sends().forEach(record -> records.add(record.encode()));
            out.accept(Request.cmd(Command.RPUSH).arg(changes).arg(PendingRecord.pack(records)));
        }
        Request state = Request.cmd(Command.HSET).arg(RedisKeys.partitionState(partition));
        if (batch.nextOffset() >= 0) {
            state.arg(RedisKeys.OFFSET_FIELD).arg(batch.nextOffset());
        }
        if (batch.backfillProgress() != null) {
            state.arg(RedisKeys.BACKFILL_FIELD).arg(batch.backfillProgress());
        }
        if (batch.history() != null) {
            state.arg(RedisKeys.HISTORY_FIELD).arg(batch.history().encode());
        }
        if (batch.nextOffset() >= 0 || batch.backfillProgress() != null || batch.history() != null) {
            out.accept(state);
        }
        out.accept(Request.cmd(Command.HINCRBY).arg(RedisKeys.partitionState(partition)).arg(RedisKeys.FLUSHES_FIELD).arg(1));
    }

    private static void addIfAny(Consumer<Request> out, Command command, String key, Collection<String> members) {
        if (!members.isEmpty()) {
            Request request = Request.cmd(command).arg(key);
            members.forEach(request::arg);
            out.accept(request);
        }
    }

    /** One member index's writes of a flush: users entered (with the time) and users exited. */
    private record IndexWrites(Map<String, Long> entered, Set<String> exited) {
        IndexWrites() {
            this(new LinkedHashMap<>(), new LinkedHashSet<>());
        }

        /** The user's last change in the batch decides: an entry cancels an earlier exit, and the other way round. */
        void add(PartitionBatch.Change change) {
            if (change.entered()) {
                exited.remove(change.userId());
                entered.put(change.userId(), change.atMillis());
            } else {
                entered.remove(change.userId());
                exited.add(change.userId());
            }
        }
    }

    /**
     * Where a batch leaves its users in the partition's member index of each segment it changed. Entries and exits
     * of distinct users commute, so each index gets one ZADD and one ZREM.
     */
    private static Map<String, IndexWrites> memberIndexes(List<PartitionBatch.Change> changes) {
        Map<String, IndexWrites> index = new LinkedHashMap<>();
        for (PartitionBatch.Change change : changes) {
            if (change.segmentId() != null) {
                index.computeIfAbsent(change.segmentId(), segment -> new IndexWrites()).add(change);
            }
        }
        return index;
    }
}
