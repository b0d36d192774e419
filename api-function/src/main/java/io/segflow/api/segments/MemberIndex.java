package io.segflow.api.segments;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.sortedset.ScoreRange;
import io.quarkus.redis.datasource.sortedset.ScoredValue;
import io.quarkus.redis.datasource.sortedset.SortedSetCommands;
import io.quarkus.redis.datasource.sortedset.ZRangeArgs;
import io.segflow.core.redis.RedisKeys;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The members of one segment: a sorted set (member = user id, score = epoch millis of entry) that
 * segment-function maintains. Pages run in entry order, ties by user id, so a cursor stays valid while members
 * come and go.
 */
@ApplicationScoped
public class MemberIndex {

    /** One member and when it entered. */
    public record Member(String userId, Instant since) {
    }

    /** Where the previous page stopped. */
    public record Cursor(long sinceMillis, String userId) {
    }

    public record Page(List<Member> members, Optional<Cursor> next) {
    }

    private final SortedSetCommands<String, String> sets;

    MemberIndex(RedisDataSource redis) {
        this.sets = redis.sortedSet(String.class);
    }

    public long count(String segmentId) {
        return sets.zcard(RedisKeys.segmentMembers(segmentId));
    }

    public Page page(String segmentId, Optional<Cursor> after, int limit) {
        String key = RedisKeys.segmentMembers(segmentId);
        double from = after.map(c -> (double) c.sinceMillis()).orElse(Double.NEGATIVE_INFINITY);
        List<Member> members = new ArrayList<>(limit);
        int offset = 0;
        boolean more = true;
        // Entries of the cursor's own millisecond that were already served are skipped; usually none are.
        while (members.size() <= limit && more) {
            int batch = limit + 1 - members.size();
            List<ScoredValue<String>> chunk = sets.zrangebyscoreWithScores(key,
                    ScoreRange.from(from, Double.MAX_VALUE), new ZRangeArgs().limit(offset, batch));
            more = chunk.size() == batch;
            offset += chunk.size();
            for (ScoredValue<String> entry : chunk) {
                long millis = (long) entry.score();
                if (after.isPresent() && servedBefore(after.get(), millis, entry.value())) {
                    continue;
                }
                members.add(new Member(entry.value(), Instant.ofEpochMilli(millis)));
            }
        }
        if (members.size() > limit) {
            Member last = members.get(limit - 1);
            return new Page(List.copyOf(members.subList(0, limit)),
                    Optional.of(new Cursor(last.since().toEpochMilli(), last.userId())));
        }
        return new Page(members, Optional.empty());
    }

    private static boolean servedBefore(Cursor cursor, long millis, String userId) {
        return millis < cursor.sinceMillis() || (millis == cursor.sinceMillis() && userId.compareTo(cursor.userId()) <= 0);
    }
}
