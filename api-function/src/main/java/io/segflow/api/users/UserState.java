package io.segflow.api.users;

import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.api.auth.Reader;
import io.segflow.core.membership.Memberships;
import io.segflow.core.redis.RedisCodec;
import io.segflow.core.redis.RedisKeys;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a user's memberships straight from Redis, every time: segment-function writes the members hash before it
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

    UserState(RedisDataSource redis) {
        this.redis = redis;
    }

    /** One of the user's hashes as stored (counts, traits). */
    public Map<String, String> hash(String key) {
        return redis.hash(String.class).hgetall(key);
    }

    /** The engagement score configuration, as segment-functions use it. */
    public io.segflow.core.profile.Scoring scoring() {
        return io.segflow.core.redis.ScoringCodec.read(redis.value(String.class).get(RedisKeys.SCORING));
    }

    public Memberships memberships(String userId) {
        List<String> pairs = new ArrayList<>();
        redis.hash(String.class).hgetall(RedisKeys.members(userId)).forEach((field, value) -> {
            pairs.add(field);
            pairs.add(value);
        });
        return RedisCodec.memberships(pairs);
    }

    /** The memberships the reader may see; the version stays the user's, so ETags and resumes line up. */
    public UserSegments segmentsFor(Reader reader) {
        Memberships memberships = memberships(reader.userId());
        List<Membership> visible = new ArrayList<>();
        for (Map.Entry<String, Instant> entry : memberships.sorted().entrySet()) {
            if (reader.maySee(entry.getKey())) {
                visible.add(new Membership(entry.getKey(), entry.getValue()));
            }
        }
        return new UserSegments(reader.userId(), visible, memberships.version());
    }
}
