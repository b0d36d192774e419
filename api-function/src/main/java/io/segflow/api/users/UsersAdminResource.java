package io.segflow.api.users;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.api.AdminOnly;
import io.segflow.api.OpenApiDocument;
import io.segflow.api.ServerReadable;
import io.segflow.api.auth.Reader;
import io.segflow.api.redis.RetriedOnLostConnection;
import io.segflow.api.users.UserState.Membership;
import io.segflow.api.users.UserState.UserSegments;
import io.segflow.core.history.PartitionHistory;
import io.segflow.core.json.Json;
import io.segflow.core.profile.Aggregate;
import io.segflow.core.profile.Profile;
import io.segflow.core.rules.Reads.PropertyRef;
import io.segflow.core.state.UserRecord;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.ResponseStatus;

/** What segflow knows about one user (admin key or read-only server key), and its erasure (admin key). */
@Path("/v1/users/{userId}")
@Produces(MediaType.APPLICATION_JSON)
public class UsersAdminResource {

    /**
     * What segments read about a user: traits, counts, aggregates, seen times, the score as of now, memberships, and
     * the ids merged into it. For an id merged into another user, that user's profile, with the id asked for as
     * {@code mergedFrom}.
     */
    public record UserProfile(String userId, @JsonInclude(JsonInclude.Include.NON_NULL) String mergedFrom,
                              List<String> mergedIds, Map<String, JsonNode> traits, Map<String, Long> counts,
                              Map<String, Aggregate> aggregates, Instant firstSeen, Instant lastSeen,
                              Map<String, Instant> lastSeenByEvent, double score, List<Membership> segments, long version) {
    }

    private final UserState state;
    private final UserErasure erasure;
    private final PartitionHistories histories;

    UsersAdminResource(UserState state, UserErasure erasure, PartitionHistories histories) {
        this.state = state;
        this.erasure = erasure;
        this.histories = histories;
    }

    @GET
    @RetriedOnLostConnection
    @Path("profile")
    @ServerReadable
    @APIResponse(responseCode = "200", description = "the profile (score decayed to now); for a merged id its user's, with mergedFrom",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = UserProfile.class)))
    @APIResponse(responseCode = "400", description = OpenApiDocument.BAD_USER_ID)
    @APIResponse(responseCode = "401", description = OpenApiDocument.NO_KEY)
    @APIResponse(responseCode = "403", description = OpenApiDocument.ORIGIN_NOT_ALLOWED)
    @APIResponse(responseCode = "409", description = OpenApiDocument.MERGE_CHAIN)
    @APIResponse(responseCode = "503", description = OpenApiDocument.REDIS_UNAVAILABLE)
    public UserProfile profile(@PathParam("userId") String userId) {
        UserState.Resolved resolved = state.resolve(UserIds.checked(userId));
        UserRecord record = resolved.record();
        Profile profile = record.profile();
        Map<String, JsonNode> traits = new TreeMap<>();
        profile.traitJson().forEach((name, json) -> traits.put(name, Json.read(json, JsonNode.class)));
        UserSegments segments = UserState.visible(Reader.unrestricted(resolved.userId()), resolved.userId(),
                resolved.mergedFrom(), record.memberships());
        boolean seen = profile.totalEvents() > 0;
        return new UserProfile(resolved.userId(), resolved.mergedFrom(), record.identity().mergedIds(), traits,
                profile.counts(), keptAggregates(profile, resolved.userId()), seen ? profile.firstSeen() : null,
                seen ? profile.lastSeen() : null, profile.lastSeenByEvent(), profile.score(state.scoring(), System.currentTimeMillis()), segments.segments(), segments.version());
    }

    /**
     * The lifetime aggregates profiles keep now: a property no enabled segment reads any more stays in the stored
     * profile as it was last kept, and one being replayed is not complete yet.
     */
    private Map<String, Aggregate> keptAggregates(Profile profile, String userId) {
        PartitionHistory history = histories.of(userId);
        Set<PropertyRef> replaying = history.replaying();
        Set<String> kept = new HashSet<>();
        history.kept().stream()
                .filter(property -> property.shape().lifetime() && !replaying.contains(property.ref()))
                .forEach(property -> kept.add(property.event() + "." + property.property()));
        Map<String, Aggregate> aggregates = new TreeMap<>(profile.aggregates());
        aggregates.keySet().retainAll(kept);
        return aggregates;
    }

    /**
     * GDPR erasure, carried out by segment-function in order with the user's events: 202 once the request is
     * queued, with the segments the user is leaving. Of an id merged into another user only the forward is erased
     * (its profile is that user's now), so its {@code exitedSegments} are none.
     */
    @DELETE
    @AdminOnly
    @ResponseStatus(202)
    @APIResponse(responseCode = "202", description = "accepted: queued on segflow.events; exitedSegments are the memberships"
            + " the user had (none for a merged id, whose forward alone is erased, or an unknown user)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = UserErasure.Accepted.class)))
    @APIResponse(responseCode = "400", description = OpenApiDocument.BAD_USER_ID)
    @APIResponse(responseCode = "401", description = OpenApiDocument.NO_ADMIN_KEY)
    @APIResponse(responseCode = "403", description = OpenApiDocument.NOT_ADMIN)
    @APIResponse(responseCode = "503", description = "unavailable: Kafka did not acknowledge the request in time, or Redis"
            + " cannot serve the memberships; retry after Retry-After")
    public UserErasure.Accepted erase(@PathParam("userId") String userId) {
        return erasure.erase(UserIds.checked(userId));
    }
}
