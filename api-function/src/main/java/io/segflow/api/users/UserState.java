package io.segflow.api.users;

import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.api.auth.Reader;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Scoring;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.redis.ScoringCodec;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a user's state straight from Redis, every time: segment-function writes the user's record before it
 * publishes the change, so a read after a published change always sees it. Nothing here is cached on purpose.
 */
@ApplicationScoped
public class UserState {

    public record Membership(String id, Instant since) {
    }

    /** The body of {@code GET /v1/users/{id}/segments} and of the first push message. */
    public record UserSegments(String userId, List<Membership> segments, long version) {
    }

    private final RedisDataSource redis;
    private final UserRecords records;

    UserState(RedisDataSource redis, UserRecords records) {
        this.redis = redis;
        this.records = records;
    }

    /** The engagement score configuration, as segment-functions use it. */
    public Scoring scoring() {
        return ScoringCodec.read(redis.value(String.class).get(RedisKeys.SCORING));
    }

    /** Decodes the memberships only: they lead the record, so the profile after them is not read. */
    public Memberships memberships(String userId) {
        return UserRecordCodec.memberships(records.read(userId));
    }

    /** Everything kept of the user; an empty record for a user without state. */
    public UserRecord record(String userId) {
        byte[] stored = records.read(userId);
        return stored == null ? UserRecord.empty(userId) : UserRecordCodec.decode(userId, stored);
    }

    /** The memberships the reader may see; the version stays the user's, so ETags and resumes line up. */
    public UserSegments segmentsFor(Reader reader) {
        return visible(reader, memberships(reader.userId()));
    }

    public static UserSegments visible(Reader reader, Memberships memberships) {
        List<Membership> visible = new ArrayList<>();
        for (Map.Entry<String, Instant> entry : memberships.sorted().entrySet()) {
            if (reader.maySee(entry.getKey())) {
                visible.add(new Membership(entry.getKey(), entry.getValue()));
            }
        }
        return new UserSegments(reader.userId(), visible, memberships.version());
    }
}
