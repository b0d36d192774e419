package io.segflow.api.support;

import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.redis.RedisKeys;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Plays segment-function for api-function's tests: writes a user's members hash, then publishes the change
 * on segflow.segment-changes, in that order (the contract push and reads rely on).
 */
public final class UserFixtures implements AutoCloseable {
    private final RedisDataSource redis;
    private final TopicWriter changes = new TopicWriter(TestServices.kafkaBootstrapServers(), Topics.SEGMENT_CHANGES);

    public UserFixtures(RedisDataSource redis) {
        this.redis = redis;
    }

    /** Stores memberships (segment id -> entry time) at a version, without publishing anything. */
    public void store(String userId, Map<String, Instant> segments, long version) {
        redis.key().del(RedisKeys.members(userId));
        Map<String, String> fields = new LinkedHashMap<>();
        segments.forEach((id, since) -> fields.put(id, Long.toString(since.toEpochMilli())));
        fields.put(RedisKeys.VERSION_FIELD, Long.toString(version));
        redis.hash(String.class).hset(RedisKeys.members(userId), fields);
    }

    /** The user enters a segment: members hash first, then the record. */
    public SegmentChange enter(String userId, String segmentId, long version) {
        Instant now = Instant.now();
        redis.hash(String.class).hset(RedisKeys.members(userId),
                Map.of(segmentId, Long.toString(now.toEpochMilli()), RedisKeys.VERSION_FIELD, Long.toString(version)));
        return publish(new SegmentChange(userId, segmentId, SegmentChange.ENTERED, now, version, "event:test-" + version));
    }

    public SegmentChange exit(String userId, String segmentId, long version) {
        redis.hash(String.class).hdel(RedisKeys.members(userId), segmentId);
        redis.hash(String.class).hset(RedisKeys.members(userId), RedisKeys.VERSION_FIELD, Long.toString(version));
        return publish(new SegmentChange(userId, segmentId, SegmentChange.EXITED, Instant.now(), version, "event:test-" + version));
    }

    public SegmentChange publish(SegmentChange change) {
        changes.send(change.userId(), Json.write(change));
        return change;
    }

    @Override
    public void close() {
        changes.close();
    }
}
