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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
                        long flushes, List<String> unpublished, int pendingEntries) {
    }

    /**
     * What one flush writes: the batch, with the number of pending list entries (one per earlier flush that stored
     * records) Kafka acknowledged since the last one, and the flushes the partition took by then as this owner
     * stored them ({@code -1}: not checked). Every flush counts itself in the same transaction as its writes, the
     * offset among them, so a count Redis still holds means it holds every write of this owner, its last offset too.
     */
    public record Flush(PartitionBatch batch, String epoch, int acknowledged, long storedFlushes) {
        public Flush(PartitionBatch batch, String epoch, int acknowledged) {
            this(batch, epoch, acknowledged, -1);
        }
    }

    /** Redis no longer holds what this owner stored: acknowledged writes were lost, the owner must claim again. */
    public static final class StateLost extends IllegalStateException {
        StateLost(int partition, String what) {
            super("partition " + partition + " no longer holds " + what + " (writes lost by a Redis failover?): claiming it "
                    + "again from what Redis holds");
        }
    }

    /**
     * A segment was saved after the catalog revision a round was evaluated against: nothing of the flush was written.
     * The round's events are to be evaluated again, against the new catalog.
     */
    public static final class CatalogChanged extends IllegalStateException {
        public CatalogChanged(long evaluatedWith, long stored) {
            super("the segment catalog moved from revision " + evaluatedWith + " to " + stored
                    + " after the round was evaluated: nothing of it was written");
        }
    }

    private final RedisPipeline pipeline;
    private final FencedFlush flusher;

    PartitionStore(RedisPipeline pipeline) {
        this.pipeline = pipeline;
        this.flusher = new FencedFlush(pipeline);
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
            String flushes = reply.get(4).toString();
            List<String> unpublished = new ArrayList<>();
            for (int r = 5; r < reply.size(); r++) {
                unpublished.addAll(PendingRecord.unpack(reply.get(r).toString()));
            }
            claims.add(new Claim(partitions.get(i), reply.get(0).toString(), offset.isEmpty() ? -1 : Long.parseLong(offset),
                    backfill.isEmpty() ? null : backfill, history, flushes.isEmpty() ? 0 : Long.parseLong(flushes),
                    unpublished, reply.size() - 5));
        }
        return claims;
    }

    /** The stored records of users, by partition; a user without one maps to null. */
    public Map<String, byte[]> load(Map<Integer, List<String>> usersByPartition) {
        return load(usersByPartition, false, null).stored();
    }

    /**
     * What a round reads before it applies its events, in one round trip: the segment catalog's revision, the
     * stored records of the users memory does not hold, and a backfill's next users ({@code scan}; null: none).
     */
    public Loaded loadWithCatalogRevision(Map<Integer, List<String>> usersByPartition, ScanAhead scan) {
        return load(usersByPartition, true, scan);
    }

    /**
     * Stored records read ahead: {@code stored} has every user asked for, mapped to null when Redis holds none; the
     * catalog revision (null if not asked for, or none is stored); and the SSCAN step asked for (null if none was).
     */
    public record Loaded(Map<String, byte[]> stored, String catalogRevision, ScanStep scanned) {
    }

    /** An SSCAN step sent with a round's reads: the users a backfill takes in a later round, listed ahead of it. */
    public record ScanAhead(int partition, String cursor, int count) {
    }

    private Loaded load(Map<Integer, List<String>> usersByPartition, boolean withCatalogRevision, ScanAhead scan) {
        ReadAhead reads = new ReadAhead(usersByPartition, withCatalogRevision, scan);
        return reads.parse(pipeline.run(reads.requests));
    }

    /** The reads of {@link #load(Map, boolean)}: its requests, and how their replies read. */
    private static final class ReadAhead {
        final List<SlotRequest> requests;
        final boolean withCatalogRevision;
        final boolean withScan;
        final List<List<String>> order;

        ReadAhead(Map<Integer, List<String>> usersByPartition, boolean withCatalogRevision, ScanAhead scan) {
            this.withCatalogRevision = withCatalogRevision;
            this.withScan = scan != null;
            this.requests = new ArrayList<>(usersByPartition.size() + 2);
            this.order = new ArrayList<>(usersByPartition.size());
            if (withCatalogRevision) {
                requests.add(SlotRequest.get(RedisKeys.SEGMENTS_REVISION));
            }
            usersByPartition.forEach((partition, users) -> {
                if (!users.isEmpty()) {
                    Request mget = Request.cmd(Command.MGET);
                    users.forEach(user -> mget.arg(RedisKeys.user(partition, user)));
                    requests.add(new SlotRequest(RedisKeys.partitionState(partition), mget));
                    order.add(users);
                }
            });
            if (scan != null) {
                requests.add(scanRequest(scan.partition(), scan.cursor(), scan.count()));
            }
        }

        Loaded parse(List<Response> replies) {
            int first = withCatalogRevision ? 1 : 0;
            int end = withScan ? replies.size() - 1 : replies.size();
            String revision = withCatalogRevision ? RedisPipeline.text(replies.get(0)) : null;
            Map<String, byte[]> stored = new HashMap<>();
            for (int i = first; i < end; i++) {
                Response values = replies.get(i);
                List<String> users = order.get(i - first);
                for (int u = 0; u < users.size(); u++) {
                    Response value = values.get(u);
                    stored.put(users.get(u), value == null ? null : value.toBytes());
                }
            }
            return new Loaded(stored, revision, withScan ? scanStep(replies.get(end)) : null);
        }
    }

    /**
     * Stores the flushes, fenced (see {@link FencedFlush}): a partition another instance claimed since is not written.
     * Returns, per flush in order, whether it was stored: false means another instance claimed the partition since
     * (nothing of it was written).
     *
     * @throws StateLost when a partition's flush count is not the one its flush expected (nothing of that
     *         partition, nor of the others of its transaction, was written)
     */
    public List<Boolean> flush(List<Flush> flushes) {
        return flush(flushes, () -> {
        });
    }

    /** As {@link #flush(List)}; {@code betweenCheckAndWrite} runs after each check (where a test claims). */
    public List<Boolean> flush(List<Flush> flushes, Runnable betweenCheckAndWrite) {
        return flusher.flush(flushes, FencedFlush.CatalogCheck.NONE, betweenCheckAndWrite, List.of()).stored();
    }

    /**
     * As {@link #flush(List)}, for a round evaluated against the catalog of {@code catalogRevision} (0: none stored).
     * On a single Redis, where the revision is watched with the partitions' state, the flush is refused when a
     * segment was saved since.
     *
     * @throws CatalogChanged when the stored revision is no longer {@code catalogRevision} (nothing was written)
     */
    public List<Boolean> flush(List<Flush> flushes, long catalogRevision) {
        return flush(flushes, catalogRevision, () -> {
        });
    }

    /** As {@link #flush(List, long)}; {@code betweenCheckAndWrite} runs after each check (where a test saves a segment). */
    public List<Boolean> flush(List<Flush> flushes, long catalogRevision, Runnable betweenCheckAndWrite) {
        return flusher.flush(flushes, FencedFlush.CatalogCheck.of(catalogRevision), betweenCheckAndWrite, List.of()).stored();
    }

    /**
     * The catalog revision as read when the last flush's connection began to watch it, while it watches: a round
     * evaluated against it needs no read of its own, its flush is refused if a segment is saved meanwhile. Empty when
     * nothing watches it (on a Redis Cluster, before the first flush, after a failed one): then read it.
     */
    public Optional<WatchedRevision> watchedCatalogRevision() {
        return flusher.watchedRevision();
    }

    /** A catalog revision a connection watches; {@code value} is null when none is stored. */
    public record WatchedRevision(String value) {
    }

    /** What {@link #flushThenLoad} stored (per flush, as {@link #flush(List)} answers) and read. */
    public record FlushedAndLoaded(List<Boolean> stored, Loaded loaded) {
    }

    /**
     * Stores the flushes as {@link #flush(List, long)} does, then reads what {@link #loadWithCatalogRevision} reads, as of
     * after the write. On a single Redis the reads go in the write's round trip: a round that stores the previous
     * round's writes with its own reads waits for Redis once, not twice.
     */
    public FlushedAndLoaded flushThenLoad(List<Flush> flushes, long catalogRevision, Map<Integer, List<String>> usersByPartition,
                                          ScanAhead scan) {
        ReadAhead reads = new ReadAhead(usersByPartition, true, scan);
        FencedFlush.Result result = flusher.flush(flushes, FencedFlush.CatalogCheck.of(catalogRevision), () -> {
        }, reads.requests);
        Loaded loaded = result.reads() != null ? reads.parse(result.reads()) : reads.parse(pipeline.run(reads.requests));
        return new FlushedAndLoaded(result.stored(), loaded);
    }

    /** Whether {@link #flushThenLoad} takes one round trip (a single Redis), not one per master and partition. */
    public boolean flushesWithReads() {
        return !pipeline.isCluster();
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
        return scanStep(pipeline.run(List.of(scanRequest(partition, cursor, count))).get(0));
    }

    private static SlotRequest scanRequest(int partition, String cursor, int count) {
        String users = RedisKeys.users(partition);
        return new SlotRequest(users, Request.cmd(Command.SSCAN).arg(users).arg(cursor).arg("COUNT").arg(count));
    }

    private static ScanStep scanStep(Response reply) {
        List<String> found = new ArrayList<>(reply.get(1).size());
        reply.get(1).forEach(user -> found.add(user.toString()));
        return new ScanStep(found, reply.get(0).toString());
    }
}
