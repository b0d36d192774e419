package io.segflow.api.support;

import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.core.Topics;
import io.segflow.core.event.Event;
import io.segflow.core.identity.Identity;
import io.segflow.core.json.Json;
import io.segflow.core.membership.Memberships;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.profile.Profile;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.state.Partitioning;
import io.segflow.core.state.RecentMessages;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import io.segflow.testkit.TestServices;
import io.segflow.testkit.TopicWriter;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Plays segment-function for api-function's tests: writes a user's record where segment-function keeps it (under
 * the user's partition, for the partition count recorded in Redis), then publishes the change on
 * segflow.segment-changes, in that order (the contract push and reads rely on).
 */
public final class UserFixtures implements AutoCloseable {
    /** The partition count of segflow.events the fixtures lay users out for; every test uses the same. */
    public static final int PARTITIONS = 3;

    private final RedisDataSource redis;
    private final TopicWriter changes = new TopicWriter(TestServices.kafkaBootstrapServers(), Topics.SEGMENT_CHANGES);

    public UserFixtures(RedisDataSource redis) {
        this.redis = redis;
        redis.value(String.class).set(RedisKeys.EVENT_PARTITIONS, Integer.toString(PARTITIONS));
    }

    public static String key(String userId) {
        return RedisKeys.user(Partitioning.partitionOf(userId, PARTITIONS), userId);
    }

    /** Lists a user as a member of a segment, entered at {@code sinceMillis}, where segment-function indexes it. */
    public void index(String segmentId, String userId, long sinceMillis) {
        redis.sortedSet(String.class).zadd(RedisKeys.segmentMembers(Partitioning.partitionOf(userId, PARTITIONS), segmentId),
                sinceMillis, userId);
    }

    /** Stores memberships (segment id -> entry time) at a version, with an empty profile, publishing nothing. */
    public void store(String userId, Map<String, Instant> segments, long version) {
        store(userId, new Memberships(segments, version), new Profile(userId));
    }

    /** Stores a whole user, publishing nothing. */
    public void store(String userId, Memberships memberships, Profile profile) {
        write(userId, new UserRecord(userId, memberships, UserRecord.NO_WAKE, profile, new RecentMessages()));
    }

    /** Stores a whole user with its identity links (ids merged into it), publishing nothing. */
    public void store(String userId, Memberships memberships, Identity identity, Profile profile) {
        write(userId, new UserRecord(userId, memberships, UserRecord.NO_WAKE, identity, profile, new RecentMessages()));
    }

    /** Stores what is left of an id merged into {@code into}: the forward, at its last version; publishes nothing. */
    public void forward(String userId, long version, String into) {
        write(userId, UserRecord.forward(userId, version, into));
    }

    /**
     * What segment-function does on the merged id's partition when {@code id} is merged into {@code into}: the
     * forward is stored, then an exit per membership and the {@code merged} record (cause {@code merged-into:<into>})
     * are published, versions going on from the id's.
     *
     * @return the version of the merged record (the forward's)
     */
    public long merge(String id, String into) {
        byte[] stored = redis.value(byte[].class).get(key(id));
        Memberships memberships = UserRecordCodec.memberships(stored);
        long version = memberships.version() + memberships.since().size() + 1;
        forward(id, version, into);
        long exitVersion = memberships.version();
        for (String segment : memberships.sorted().keySet()) {
            publish(new SegmentChange(id, segment, SegmentChange.EXITED, Instant.now(), ++exitVersion,
                    SegmentChange.causedByMergeInto(into)));
        }
        publish(SegmentChange.merged(id, into, Instant.now(), version));
        return version;
    }

    /** The user enters a segment: its record first, then the change. */
    public SegmentChange enter(String userId, String segmentId, long version) {
        Instant now = Instant.now();
        update(userId, segmentId, now, version);
        return publish(new SegmentChange(userId, segmentId, SegmentChange.ENTERED, now, version, "event:test-" + version));
    }

    public SegmentChange exit(String userId, String segmentId, long version) {
        update(userId, segmentId, null, version);
        return publish(new SegmentChange(userId, segmentId, SegmentChange.EXITED, Instant.now(), version, "event:test-" + version));
    }

    public SegmentChange publish(SegmentChange change) {
        changes.send(change.userId(), Json.write(change));
        return change;
    }

    /**
     * Records as another producer than segment-function might write them (any key, null: none; any value), in one
     * producer batch: the api's consumer reads them in one poll.
     */
    public void publishRaw(String key, String... values) {
        changes.sendTogether(key, values);
    }

    /** A track call as ingest normalizes it. */
    public static Event track(String userId, String event, Map<String, Object> properties, Instant at) {
        return new Event(Event.SCHEMA_VERSION, "track", UUID.randomUUID().toString(), userId, null, event, null, null,
                null, null, properties, null, null, at, null, null, at, "test");
    }

    /** An identify call as ingest normalizes it. */
    public static Event identify(String userId, Map<String, Object> traits, Instant at) {
        return new Event(Event.SCHEMA_VERSION, "identify", UUID.randomUUID().toString(), userId, null, null, null, null,
                null, traits, null, null, null, at, null, null, at, "test");
    }

    /** Sets ({@code since} given) or removes one membership, keeping the rest of the stored record. */
    private void update(String userId, String segmentId, Instant since, long version) {
        byte[] stored = redis.value(byte[].class).get(key(userId));
        UserRecord record = stored == null ? UserRecord.empty(userId) : UserRecordCodec.decode(userId, stored);
        Map<String, Instant> segments = new HashMap<>(record.memberships().since());
        if (since == null) {
            segments.remove(segmentId);
        } else {
            segments.put(segmentId, since);
        }
        record.memberships(new Memberships(segments, version, record.memberships().catalogRevision()));
        write(userId, record);
    }

    private void write(String userId, UserRecord record) {
        redis.value(byte[].class).set(key(userId), UserRecordCodec.encode(record));
    }

    @Override
    public void close() {
        changes.close();
    }
}
