package io.segflow.api.segments;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.sortedset.ReactiveSortedSetCommands;
import io.quarkus.redis.datasource.sortedset.ScoreRange;
import io.quarkus.redis.datasource.sortedset.ScoredValue;
import io.quarkus.redis.datasource.sortedset.ZRangeArgs;
import io.segflow.api.users.UserRecords;
import io.segflow.core.redis.RedisKeys;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The members of one segment. segment-function keeps them per partition of {@code segflow.events}, in a sorted set
 * (member = user id, score = epoch millis of entry) written by the same script as the users' memberships; a
 * segment's index is the union of its partitions' sets, read from all of them at once. Pages run in entry order,
 * ties by user id, so a cursor stays valid while members come and go.
 */
@ApplicationScoped
public class MemberIndex {
    private static final Comparator<Member> ENTRY_ORDER = Comparator.comparing(Member::since).thenComparing(Member::userId);

    /** One member and when it entered. */
    public record Member(String userId, Instant since) {
    }

    /** Where the previous page stopped. */
    public record Cursor(long sinceMillis, String userId) {
    }

    public record Page(List<Member> members, Optional<Cursor> next) {
    }

    private final ReactiveSortedSetCommands<String, String> sets;
    private final UserRecords records;
    /** As long as a blocking Redis command may take: the reads of all partitions together. */
    private final Duration timeout;

    MemberIndex(ReactiveRedisDataSource redis, UserRecords records,
                @ConfigProperty(name = "quarkus.redis.timeout", defaultValue = "10s") Duration timeout) {
        this.sets = redis.sortedSet(String.class);
        this.records = records;
        this.timeout = timeout;
    }

    public long count(String segmentId) {
        return eachPartition(partition -> sets.zcard(RedisKeys.segmentMembers(partition, segmentId)))
                .stream().mapToLong(Long::longValue).sum();
    }

    /** The first {@code limit} members after the cursor: each partition's first {@code limit + 1}, merged. */
    public Page page(String segmentId, Optional<Cursor> after, int limit) {
        List<Member> members = new ArrayList<>();
        eachPartition(partition -> firstAfter(RedisKeys.segmentMembers(partition, segmentId), after, limit + 1, 0, new ArrayList<>()))
                .forEach(members::addAll);
        members.sort(ENTRY_ORDER);
        if (members.size() > limit) {
            Member last = members.get(limit - 1);
            return new Page(List.copyOf(members.subList(0, limit)), Optional.of(new Cursor(last.since().toEpochMilli(), last.userId())));
        }
        return new Page(members, Optional.empty());
    }

    /** The same read of every partition's set, sent together; nothing while no partition count is recorded. */
    private <T> List<T> eachPartition(IntFunction<Uni<T>> read) {
        int partitions = records.partitions();
        if (partitions == 0) {
            return List.of();
        }
        List<Uni<T>> reads = new ArrayList<>(partitions);
        for (int partition = 0; partition < partitions; partition++) {
            reads.add(read.apply(partition));
        }
        return Uni.join().all(reads).andFailFast().await().atMost(timeout);
    }

    /**
     * Up to {@code wanted} members of one set after the cursor, in entry order. The cursor's own millisecond is read
     * from its start and the entries already served are skipped; usually there are none, so one read is enough.
     */
    private Uni<List<Member>> firstAfter(String key, Optional<Cursor> after, int wanted, int offset, List<Member> found) {
        double from = after.map(c -> (double) c.sinceMillis()).orElse(Double.NEGATIVE_INFINITY);
        int batch = wanted - found.size();
        return sets.zrangebyscoreWithScores(key, ScoreRange.from(from, Double.MAX_VALUE), new ZRangeArgs().limit(offset, batch))
                .chain(chunk -> {
                    for (ScoredValue<String> entry : chunk) {
                        long millis = (long) entry.score();
                        if (after.isEmpty() || !servedBefore(after.get(), millis, entry.value())) {
                            found.add(new Member(entry.value(), Instant.ofEpochMilli(millis)));
                        }
                    }
                    return chunk.size() == batch && found.size() < wanted
                            ? firstAfter(key, after, wanted, offset + chunk.size(), found)
                            : Uni.createFrom().item(found);
                });
    }

    private static boolean servedBefore(Cursor cursor, long millis, String userId) {
        return millis < cursor.sinceMillis() || (millis == cursor.sinceMillis() && userId.compareTo(cursor.userId()) <= 0);
    }
}
