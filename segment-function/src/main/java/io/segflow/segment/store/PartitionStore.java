package io.segflow.segment.store;

import io.segflow.core.history.PartitionHistory;
import io.segflow.core.redis.LuaScripts;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.state.PendingRecord;
import io.segflow.segment.apply.PartitionBatch;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The owned partitions' state in Redis. Each partition's keys share one hash tag (one Redis Cluster slot), so a
 * round's writes go to each server as one atomic transaction, and its reads as one pipeline (one per master on a
 * cluster). Every command touches the keys of one slot only.
 */
@ApplicationScoped
public class PartitionStore {
    static final LuaScript CLAIM = new LuaScript(LuaScripts.CLAIM_PARTITION);

    /**
     * Where a claimed partition's stored state stands: {@code unpublished} are the stored forms of the records not
     * acknowledged by Kafka, from {@code pendingEntries} entries of the pending list (one per flush that stored some).
     */
    public record Claim(int partition, String epoch, long nextOffset, String backfillProgress, PartitionHistory history,
                        List<String> unpublished, int pendingEntries) {
    }

    /**
     * What one flush writes: the batch, with the number of pending list entries (one per earlier flush that stored
     * records) Kafka acknowledged since the last one, and the offset this owner last stored ({@code -1}: none, not
     * checked).
     */
    public record Flush(PartitionBatch batch, String epoch, int acknowledged, long storedOffset) {
        public Flush(PartitionBatch batch, String epoch, int acknowledged) {
            this(batch, epoch, acknowledged, -1);
        }
    }

    /** Redis no longer holds the offset this owner stored: acknowledged writes were lost, the owner must claim again. */
    public static final class StateLost extends IllegalStateException {
        StateLost(int partition, long storedOffset) {
            super("partition " + partition + " no longer holds the offset " + storedOffset + " this owner stored "
                    + "(writes lost by a Redis failover?): claiming it again from what Redis holds");
        }
    }

    private final RedisPipeline pipeline;

    PartitionStore(RedisPipeline pipeline) {
        this.pipeline = pipeline;
    }

    /** Becomes the owner of the partitions (fencing any previous owner); one round trip for all. */
    public List<Claim> claim(List<Integer> partitions) {
        List<SlotRequest> requests = new ArrayList<>(partitions.size());
        for (int partition : partitions) {
            String state = RedisKeys.partitionState(partition);
            requests.add(new SlotRequest(state, CLAIM.call(2).arg(state).arg(RedisKeys.changes(partition))));
        }
        List<Response> replies = pipeline.run(requests, CLAIM);
        List<Claim> claims = new ArrayList<>(partitions.size());
        for (int i = 0; i < partitions.size(); i++) {
            Response reply = replies.get(i);
            String offset = reply.get(1).toString();
            String backfill = reply.get(2).toString();
            PartitionHistory history = PartitionHistory.decode(reply.get(3).toString());
            List<String> unpublished = new ArrayList<>();
            for (int r = 4; r < reply.size(); r++) {
                unpublished.addAll(PendingRecord.unpack(reply.get(r).toString()));
            }
            claims.add(new Claim(partitions.get(i), reply.get(0).toString(), offset.isEmpty() ? -1 : Long.parseLong(offset),
                    backfill.isEmpty() ? null : backfill, history, unpublished, reply.size() - 4));
        }
        return claims;
    }

    /** The stored records of users, by partition; a user without one maps to null. */
    public Map<String, byte[]> load(Map<Integer, List<String>> usersByPartition) {
        return load(usersByPartition, false).stored();
    }

    /**
     * What a round reads before it applies its events, in one round trip: the segment catalog's revision, and the
     * stored records of the users memory does not hold.
     */
    public Loaded loadWithCatalogRevision(Map<Integer, List<String>> usersByPartition) {
        return load(usersByPartition, true);
    }

    /**
     * Stored records read ahead: {@code stored} has every user asked for, mapped to null when Redis holds none; and
     * the catalog revision (null if not asked for, or none is stored).
     */
    public record Loaded(Map<String, byte[]> stored, String catalogRevision) {
    }

    private Loaded load(Map<Integer, List<String>> usersByPartition, boolean withCatalogRevision) {
        List<SlotRequest> requests = new ArrayList<>(usersByPartition.size() + 1);
        if (withCatalogRevision) {
            requests.add(new SlotRequest(RedisKeys.SEGMENTS_REVISION, Request.cmd(Command.GET).arg(RedisKeys.SEGMENTS_REVISION)));
        }
        List<List<String>> order = new ArrayList<>(usersByPartition.size());
        usersByPartition.forEach((partition, users) -> {
            if (!users.isEmpty()) {
                Request mget = Request.cmd(Command.MGET);
                users.forEach(user -> mget.arg(RedisKeys.user(partition, user)));
                requests.add(new SlotRequest(RedisKeys.partitionState(partition), mget));
                order.add(users);
            }
        });
        List<Response> replies = pipeline.run(requests);
        int first = withCatalogRevision ? 1 : 0;
        String revision = withCatalogRevision && replies.get(0) != null ? replies.get(0).toString() : null;
        Map<String, byte[]> stored = new HashMap<>();
        for (int i = first; i < replies.size(); i++) {
            Response values = replies.get(i);
            List<String> users = order.get(i - first);
            for (int u = 0; u < users.size(); u++) {
                Response value = values.get(u);
                stored.put(users.get(u), value == null ? null : value.toBytes());
            }
        }
        return new Loaded(stored, revision);
    }

    /**
     * Stores the flushes. With the partitions' state keys watched, their epochs and offsets are checked, then the
     * writes go as one {@code MULTI}/{@code EXEC}: a claim between the check and the write aborts the {@code EXEC}
     * (the watch), and the check runs again. Plain commands in a transaction rather than a script: a script's
     * arguments are copied into Lua and out again, which doubled Redis's time per flush. A single server takes all
     * the partitions in one transaction; on a cluster a transaction holds the keys of one slot, so each partition
     * has its own, in turn.
     * Returns, per flush in order, whether it was stored: false means another instance claimed the partition since
     * (nothing of it was written).
     *
     * @throws StateLost when a partition's stored offset is not the one its flush expected (nothing of that
     *         partition, nor of the others of its transaction, was written)
     */
    public List<Boolean> flush(List<Flush> flushes) {
        return flush(flushes, () -> {
        });
    }

    /**
     * As {@link #flush(List)}; {@code betweenCheckAndWrite} runs after each check (where a test claims). One flush at
     * a time: they share the kept connection.
     */
    public synchronized List<Boolean> flush(List<Flush> flushes, Runnable betweenCheckAndWrite) {
        Boolean[] stored = new Boolean[flushes.size()];
        if (pipeline.isCluster()) {
            for (int i = 0; i < flushes.size(); i++) {
                try (RedisPipeline.Held held = pipeline.hold()) {
                    store(held, flushes, List.of(i), stored, betweenCheckAndWrite, false);
                }
            }
        } else if (!flushes.isEmpty()) {
            try {
                if (writer == null) {
                    writer = pipeline.hold();
                }
                store(writer, flushes, java.util.stream.IntStream.range(0, flushes.size()).boxed().toList(), stored,
                        betweenCheckAndWrite, true);
            } catch (RuntimeException e) {
                dropWriter();
                throw e;
            }
        }
        return Arrays.asList(stored);
    }

    /** Flushes in a row whose EXEC a change of a watched state key aborted, before the round gives up. */
    private static final int MAX_FLUSH_ATTEMPTS = 5;

    /**
     * On a single Redis, the connection the flushes go through, kept from one round to the next: after its EXEC a
     * flush watches and reads the state of the partitions it wrote, so that a next flush over those has its check
     * done already (one round trip per round, not two).
     */
    private RedisPipeline.Held writer;
    /** The partitions whose state {@link #writer} watches, with the epoch and offset read after the watch. */
    private final Map<Integer, String[]> checkedAhead = new HashMap<>();

    private void dropWriter() {
        checkedAhead.clear();
        if (writer != null) {
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
     */
    private void store(RedisPipeline.Held held, List<Flush> flushes, List<Integer> transaction, Boolean[] stored,
                       Runnable betweenCheckAndWrite, boolean keepChecking) {
        List<Integer> writable = keepChecking ? checkedAhead(flushes, transaction) : null;
        for (int attempt = 1; ; attempt++) {
            if (writable == null) {
                writable = check(held, flushes, transaction, stored);
                if (writable.isEmpty()) {
                    return;
                }
                betweenCheckAndWrite.run();
            }
            if (write(held, flushes, writable, stored, keepChecking)) {
                return;
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
     * offset it expects; else null (a check is needed).
     */
    private List<Integer> checkedAhead(List<Flush> flushes, List<Integer> transaction) {
        for (int i : transaction) {
            Flush flush = flushes.get(i);
            String[] state = checkedAhead.get(flush.batch().partition());
            if (state == null || !flush.epoch().equals(state[0])
                    || flush.storedOffset() >= 0 && !Long.toString(flush.storedOffset()).equals(state[1])) {
                return null;
            }
        }
        return transaction;
    }

    /**
     * Watches the state of each partition of the transaction not decided yet and reads its epoch and offset. A
     * partition claimed by another instance is decided: not stored. Returns the flushes that may be written; when
     * there are none, or a partition lost its state, the watches are dropped.
     */
    private List<Integer> check(RedisPipeline.Held held, List<Flush> flushes, List<Integer> transaction, Boolean[] stored) {
        checkedAhead.clear();
        List<Integer> pending = new ArrayList<>();
        List<SlotRequest> checks = new ArrayList<>();
        for (int i : transaction) {
            if (stored[i] == null) {
                String state = stateOf(flushes.get(i));
                if (checks.isEmpty()) {
                    checks.add(new SlotRequest(state, Request.cmd(Command.UNWATCH))); // what an earlier write watched
                }
                checks.add(new SlotRequest(state, Request.cmd(Command.WATCH).arg(state)));
                checks.add(new SlotRequest(state, readState(state)));
                pending.add(i);
            }
        }
        List<Response> replies = held.run(checks);
        List<Integer> writable = new ArrayList<>(pending.size());
        for (int n = 0; n < pending.size(); n++) {
            int i = pending.get(n);
            Flush flush = flushes.get(i);
            Response state = replies.get(2 + 2 * n);
            if (!flush.epoch().equals(text(state.get(0)))) {
                stored[i] = false;
            } else if (flush.storedOffset() >= 0 && !Long.toString(flush.storedOffset()).equals(text(state.get(1)))) {
                unwatch(held, stateOf(flush));
                throw new StateLost(flush.batch().partition(), flush.storedOffset());
            } else {
                writable.add(i);
            }
        }
        if (writable.isEmpty() && !pending.isEmpty()) {
            unwatch(held, stateOf(flushes.get(pending.get(0))));
        }
        return writable;
    }

    private static Request readState(String state) {
        return Request.cmd(Command.HMGET).arg(state).arg(RedisKeys.EPOCH_FIELD).arg(RedisKeys.OFFSET_FIELD);
    }

    /** Drops the connection's watches; the key only routes the command to its server on a cluster. */
    private static void unwatch(RedisPipeline.Held held, String key) {
        held.run(List.of(new SlotRequest(key, Request.cmd(Command.UNWATCH)), new SlotRequest(key, Request.cmd(Command.EXISTS).arg(key))));
    }

    /**
     * Writes the flushes in one transaction. Returns false when it was aborted (a watched state changed): the
     * flushes stay undecided for the next check. {@code keepChecking}: then watches and reads the state of the
     * partitions written, and of those watched before whose epoch did not change, for the next flush.
     */
    private boolean write(RedisPipeline.Held held, List<Flush> flushes, List<Integer> writable, Boolean[] stored,
                          boolean keepChecking) {
        List<SlotRequest> transaction = new ArrayList<>();
        String first = stateOf(flushes.get(writable.get(0)));
        transaction.add(new SlotRequest(first, Request.cmd(Command.MULTI)));
        for (int i : writable) {
            String state = stateOf(flushes.get(i));
            appendWrites(flushes.get(i), request -> transaction.add(new SlotRequest(state, request)));
        }
        transaction.add(new SlotRequest(first, Request.cmd(Command.EXEC)));
        int exec = transaction.size() - 1;
        Map<Integer, String> epochs = new java.util.LinkedHashMap<>();
        if (keepChecking) {
            checkedAhead.forEach((partition, state) -> epochs.put(partition, state[0]));
            writable.forEach(i -> epochs.put(flushes.get(i).batch().partition(), flushes.get(i).epoch()));
            checkedAhead.clear();
            for (int partition : epochs.keySet()) {
                String state = RedisKeys.partitionState(partition);
                transaction.add(new SlotRequest(state, Request.cmd(Command.WATCH).arg(state)));
                transaction.add(new SlotRequest(state, readState(state)));
            }
        }
        List<Response> replies = held.run(transaction);
        Response results = replies.get(exec);
        if (results == null) {
            return false;
        }
        for (Response result : results) {
            if (result != null && result.type() == ResponseType.ERROR) {
                throw new IllegalStateException("a flush's write failed in Redis: " + result);
            }
        }
        writable.forEach(i -> stored[i] = true);
        int n = 0;
        for (Map.Entry<Integer, String> watched : epochs.entrySet()) {
            Response state = replies.get(exec + 2 + 2 * n++);
            if (watched.getValue().equals(text(state.get(0)))) {
                checkedAhead.put(watched.getKey(), new String[] {watched.getValue(), text(state.get(1))});
            }
        }
        return true;
    }

    private static String stateOf(Flush flush) {
        return RedisKeys.partitionState(flush.batch().partition());
    }

    /** A flush's writes, in the order a reader expects them (all are applied at once by the EXEC). */
    private static void appendWrites(Flush flush, java.util.function.Consumer<Request> out) {
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
    }

    private static void addIfAny(java.util.function.Consumer<Request> out, Command command, String key, java.util.Collection<String> members) {
        if (!members.isEmpty()) {
            Request request = Request.cmd(command).arg(key);
            members.forEach(request::arg);
            out.accept(request);
        }
    }

    private static String text(Response value) {
        return value == null ? null : value.toString();
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

    /** A user whose wake is due, and when it was. */
    public record Due(String user, long dueMillis) {
    }

    /** Due users of each partition: {@code ZRANGEBYSCORE -inf now WITHSCORES LIMIT 0 max}, one pipeline. */
    public Map<Integer, List<Due>> due(List<Integer> partitions, long nowMillis, int max) {
        List<SlotRequest> requests = new ArrayList<>(partitions.size());
        for (int partition : partitions) {
            String schedule = RedisKeys.schedule(partition);
            requests.add(new SlotRequest(schedule, Request.cmd(Command.ZRANGEBYSCORE).arg(schedule).arg("-inf").arg(nowMillis)
                    .arg("WITHSCORES").arg("LIMIT").arg(0).arg(max)));
        }
        List<Response> replies = pipeline.run(requests);
        Map<Integer, List<Due>> due = new HashMap<>();
        for (int i = 0; i < partitions.size(); i++) {
            Response reply = replies.get(i);
            if (reply.size() > 0) {
                List<Due> users = new ArrayList<>(reply.size());
                // RESP2 answers a flat list (member, score, ...); RESP3 a list of pairs.
                if (reply.get(0).size() == 2 && reply.get(0).type() == io.vertx.redis.client.ResponseType.MULTI) {
                    reply.forEach(pair -> users.add(new Due(pair.get(0).toString(), pair.get(1).toDouble().longValue())));
                } else {
                    for (int r = 0; r + 1 < reply.size(); r += 2) {
                        users.add(new Due(reply.get(r).toString(), (long) Double.parseDouble(reply.get(r + 1).toString())));
                    }
                }
                due.put(partitions.get(i), users);
            }
        }
        return due;
    }

    /** One SSCAN step over a partition's users: the users and the cursor to go on from ("0" when complete). */
    public record ScanStep(List<String> users, String nextCursor) {
    }

    public ScanStep scanUsers(int partition, String cursor, int count) {
        String users = RedisKeys.users(partition);
        Response reply = pipeline.run(List.of(new SlotRequest(users, Request.cmd(Command.SSCAN).arg(users).arg(cursor)
                .arg("COUNT").arg(count)))).get(0);
        List<String> found = new ArrayList<>(reply.get(1).size());
        reply.get(1).forEach(user -> found.add(user.toString()));
        return new ScanStep(found, reply.get(0).toString());
    }
}
