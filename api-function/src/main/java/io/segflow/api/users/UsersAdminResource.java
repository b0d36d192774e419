package io.segflow.api.users;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.api.AdminOnly;
import io.segflow.api.auth.Reader;
import io.segflow.api.users.UserState.Membership;
import io.segflow.api.users.UserState.UserSegments;
import io.segflow.core.json.Json;
import io.segflow.core.profile.Aggregate;
import io.segflow.core.profile.Profile;
import io.segflow.core.redis.RedisCodec;
import io.segflow.core.redis.RedisKeys;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What segflow knows about one user (admin), and its erasure. */
@Path("/v1/users/{userId}")
@AdminOnly
@Produces(MediaType.APPLICATION_JSON)
public class UsersAdminResource {

    /** What segments read about a user: traits, counts, aggregates, seen times, the score as of now, memberships. */
    public record UserProfile(String userId, Map<String, JsonNode> traits, Map<String, Long> counts,
                              Map<String, Aggregate> aggregates, Instant firstSeen, Instant lastSeen,
                              Map<String, Instant> lastSeenByEvent, double score, List<Membership> segments, long version) {
    }

    private final UserState state;
    private final UserErasure erasure;

    UsersAdminResource(UserState state, UserErasure erasure) {
        this.state = state;
        this.erasure = erasure;
    }

    @GET
    @Path("profile")
    public UserProfile profile(@PathParam("userId") String userId) {
        UserIds.checked(userId);
        Map<String, JsonNode> traits = new TreeMap<>();
        state.hash(RedisKeys.traits(userId)).forEach((name, json) -> traits.put(name, trait(json)));
        List<String> profilePairs = new ArrayList<>();
        state.hash(RedisKeys.profile(userId)).forEach((field, value) -> {
            profilePairs.add(field);
            profilePairs.add(value);
        });
        Profile profile = RedisCodec.profile(userId, profilePairs, List.of());
        UserSegments segments = state.segmentsFor(Reader.unrestricted(userId));
        boolean seen = profile.totalEvents() > 0;
        return new UserProfile(userId, traits, new TreeMap<>(profile.counts()), profile.aggregates(),
                seen ? profile.firstSeen() : null, seen ? profile.lastSeen() : null, profile.lastSeenByEvent(),
                profile.score(state.scoring(), System.currentTimeMillis()), segments.segments(), segments.version());
    }

    /** GDPR erasure: profile, memberships, member indexes and dedup state; publishes an exit per membership. */
    @DELETE
    public UserErasure.Erased erase(@PathParam("userId") String userId) {
        return erasure.erase(UserIds.checked(userId));
    }

    private static JsonNode trait(String json) {
        try {
            return Json.read(json, JsonNode.class);
        } catch (UncheckedIOException e) {
            return Json.MAPPER.getNodeFactory().textNode(json); // written by hand, not by segment-function
        }
    }
}
