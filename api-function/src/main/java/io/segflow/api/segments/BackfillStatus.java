package io.segflow.api.segments;

import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.core.redis.RedisKeys;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * How far segment-function's backfill of the current catalog revision went: each partition's owner re-evaluates its
 * users and records {@code "<revision> done"} in the partition's state when it has gone over all of them. A segment
 * saved at this revision or before is answered from every user's stored profile once all partitions are done.
 */
@ApplicationScoped
public class BackfillStatus {

    /** {@code running} or {@code complete}, and how many partitions are done; {@code pending} before any owner started. */
    public record State(String state, long revision, int partitionsDone, int partitions) {
    }

    private final RedisDataSource redis;

    BackfillStatus(RedisDataSource redis) {
        this.redis = redis;
    }

    public State current() {
        long revision = number(redis.value(String.class).get(RedisKeys.SEGMENTS_REVISION));
        int partitions = (int) number(redis.value(String.class).get(RedisKeys.EVENT_PARTITIONS));
        if (partitions == 0) {
            return new State("pending", revision, 0, 0);
        }
        int done = 0;
        for (int partition = 0; partition < partitions; partition++) {
            if (done(redis.hash(String.class).hget(RedisKeys.partitionState(partition), RedisKeys.BACKFILL_FIELD), revision)) {
                done++;
            }
        }
        return new State(done == partitions ? "complete" : "running", revision, done, partitions);
    }

    /** Progress is {@code "<revision> <SSCAN cursor>"} or {@code "<revision> done"} (see docs/contracts.md). */
    static boolean done(String progress, long revision) {
        if (progress == null) {
            return revision == 0;
        }
        String[] parts = progress.split(" ", 2);
        return parts.length == 2 && "done".equals(parts[1]) && number(parts[0]) >= revision;
    }

    private static long number(String text) {
        try {
            return text == null ? 0 : Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
