package io.segflow.api.users;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.api.ApiException;
import io.segflow.api.auth.Reader;
import io.segflow.core.api.ErrorBody;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Scoring;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.redis.ScoringCodec;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a user's state straight from Redis, every time: segment-function writes the user's record before it
 * publishes the change, so a read after a published change always sees it. Nothing here is cached on purpose.
 *
 * <p>An id merged into another user (an anonymous id after an identify or alias) keeps only a forward to that user;
 * reads of its state follow forwards, at most {@value #MAX_FORWARDS} of them, and answer the user they lead to.
 */
@ApplicationScoped
public class UserState {
    /** How many forwards a read follows (A merged into U, U into W, ...) before it gives up with a 409. */
    public static final int MAX_FORWARDS = 5;
    public static final String MERGE_CHAIN_TOO_LONG = "merge_chain_too_long";

    public record Membership(String id, Instant since) {
    }

    /**
     * The body of {@code GET /v1/users/{id}/segments} and of the first push message: {@code userId} is the user whose
     * memberships these are; {@code mergedFrom}, only when it differs, the id that was asked for (merged into it).
     */
    public record UserSegments(String userId,
                               @JsonInclude(JsonInclude.Include.NON_NULL) String mergedFrom,
                               List<Membership> segments, long version) {

        public boolean forwarded() {
            return mergedFrom != null;
        }
    }

    /**
     * Where an id's state is: its own stored record, or the record of the user its forwards lead to.
     *
     * @param requestedId the id asked for
     * @param userId      the id whose record {@code stored} is (the requested one unless it was merged)
     * @param stored      that record as UserRecordCodec encoded it, null for a user without state
     */
    public record Resolved(String requestedId, String userId, byte[] stored) {

        public boolean forwarded() {
            return !requestedId.equals(userId);
        }

        /** The requested id when it was merged into {@link #userId}, else null. */
        public String mergedFrom() {
            return forwarded() ? requestedId : null;
        }

        public Memberships memberships() {
            return UserRecordCodec.memberships(stored);
        }

        public UserRecord record() {
            return stored == null ? UserRecord.empty(userId) : UserRecordCodec.decode(userId, stored);
        }

        /** Whether the record lists {@code id} as merged into it: its owner has taken that id's profile in. */
        public boolean hasMerged(String id) {
            return stored != null && record().identity().isMerged(id);
        }
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

    /**
     * The id's own memberships, forwards not followed: a merged id has none (what an erasure of it would end). Decodes
     * the memberships only: they lead the record, so the profile after them is not read.
     */
    public Memberships memberships(String userId) {
        return UserRecordCodec.memberships(records.read(userId));
    }

    /**
     * The id's record, or for a merged id the record of the user it forwards to (following up to
     * {@value #MAX_FORWARDS} forwards); a longer chain or a loop is a 409 {@value #MERGE_CHAIN_TOO_LONG}.
     */
    public Resolved resolve(String userId) {
        String current = userId;
        for (int forwards = 0; ; forwards++) {
            byte[] stored = records.read(current);
            String into = UserRecordCodec.mergedInto(stored);
            if (into == null) {
                return new Resolved(userId, current, stored);
            }
            if (forwards == MAX_FORWARDS) {
                throw new ApiException(Response.Status.CONFLICT, ErrorBody.of(MERGE_CHAIN_TOO_LONG, "userId",
                        "the id was merged into another user that was merged on, more than " + MAX_FORWARDS
                                + " times (or in a loop); retry later"));
            }
            current = into;
        }
    }

    /**
     * The memberships the reader may see, of the reader's user or, if that id was merged, of the user it was merged
     * into; the version stays that user's, so ETags and resumes line up.
     */
    public UserSegments segmentsFor(Reader reader) {
        Resolved resolved = resolve(reader.userId());
        return visible(reader, resolved.userId(), resolved.mergedFrom(), resolved.memberships());
    }

    public static UserSegments visible(Reader reader, String userId, String mergedFrom, Memberships memberships) {
        List<Membership> visible = new ArrayList<>();
        for (Map.Entry<String, Instant> entry : memberships.sorted().entrySet()) {
            if (reader.maySee(entry.getKey())) {
                visible.add(new Membership(entry.getKey(), entry.getValue()));
            }
        }
        return new UserSegments(userId, mergedFrom, visible, memberships.version());
    }
}
