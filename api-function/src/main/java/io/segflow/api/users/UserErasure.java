package io.segflow.api.users;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.keys.KeyScanArgs;
import io.segflow.api.push.PushHub;
import io.segflow.api.segments.MemberIndex;
import io.segflow.core.json.Json;
import io.segflow.core.membership.Memberships;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.redis.RedisKeys;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Erases a user everywhere segflow keeps it (a GDPR erasure request): profile counts and traits, memberships,
 * the member index of each segment it was in, its dedup markers, its wake and its entry in the users registry;
 * then publishes an {@code exited} change per membership so that trigger consumers and connected front-ends learn
 * of it. Stop the user's events first: an event processed after the erasure starts a new profile.
 */
@ApplicationScoped
public class UserErasure {
    public static final String CAUSE = "erasure";

    /** What was erased. */
    public record Erased(String userId, List<String> exitedSegments, long keysDeleted) {
    }

    private final RedisDataSource redis;
    private final UserState state;
    private final MemberIndex index;
    private final PushHub hub;
    private final MutinyEmitter<String> changes;

    UserErasure(RedisDataSource redis, UserState state, MemberIndex index, PushHub hub,
                @Channel("segment-changes-erasure") MutinyEmitter<String> changes) {
        this.redis = redis;
        this.state = state;
        this.index = index;
        this.hub = hub;
        this.changes = changes;
    }

    public Erased erase(String userId) {
        Memberships memberships = state.memberships(userId);
        List<String> segments = List.copyOf(memberships.sorted().keySet());
        for (String segmentId : segments) {
            index.remove(segmentId, userId);
        }
        long deleted = redis.key().del(RedisKeys.profile(userId), RedisKeys.traits(userId), RedisKeys.members(userId),
                RedisKeys.outbox(userId), RedisKeys.outboxLease(userId), RedisKeys.outboxSending(userId));
        deleted += deleteDedupMarkers(userId);
        // Time-driven re-evaluation schedule of issue 4 (member = user id); a no-op where the user is not scheduled.
        redis.sortedSet(String.class).zrem(RedisKeys.schedule(RedisKeys.scheduleShard(userId)), userId);
        // The registry backfills scan (member = user id): an erased user is no longer one to re-evaluate.
        redis.set(String.class).srem(RedisKeys.users(RedisKeys.userShard(userId)), userId);
        // Redis first, then the records: a reader that sees an exit never reads the erased memberships back.
        long version = memberships.version();
        Instant now = Instant.now();
        for (String segmentId : segments) {
            version++;
            publish(new SegmentChange(userId, segmentId, SegmentChange.EXITED, now, version, CAUSE));
        }
        hub.closeAll(userId);
        return new Erased(userId, segments, deleted);
    }

    /**
     * SCAN with a MATCH on the user's own prefix: no KEYS, no blocking. Glob characters of the user id are escaped,
     * so that user {@code a*} never matches the markers of user {@code abc}.
     */
    private long deleteDedupMarkers(String userId) {
        String pattern = globEscape(RedisKeys.seen(userId, "")) + "*";
        var cursor = redis.key().scan(new KeyScanArgs().match(pattern).count(1_000));
        long deleted = 0;
        while (cursor.hasNext()) {
            List<String> keys = new ArrayList<>(cursor.next());
            if (!keys.isEmpty()) {
                deleted += redis.key().del(keys.toArray(String[]::new));
            }
        }
        return deleted;
    }

    static String globEscape(String literal) {
        StringBuilder escaped = new StringBuilder(literal.length() + 8);
        for (char c : literal.toCharArray()) {
            if ("*?[]\\^-".indexOf(c) >= 0) {
                escaped.append('\\');
            }
            escaped.append(c);
        }
        return escaped.toString();
    }

    private void publish(SegmentChange change) {
        changes.sendMessageAndAwait(Message.of(Json.write(change))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(change.userId()).build()));
    }
}
