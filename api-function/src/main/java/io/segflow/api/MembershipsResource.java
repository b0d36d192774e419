package io.segflow.api;

import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.core.membership.Memberships;
import io.segflow.core.redis.RedisCodec;
import io.segflow.core.redis.RedisKeys;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A user's segment memberships for front-ends; the ETag is the membership version. */
@Path("/v1/users/{userId}/segments")
@Produces(MediaType.APPLICATION_JSON)
public class MembershipsResource {
    private static final int MAX_USER_ID_LENGTH = 256;

    public record Membership(String id, Instant since) {
    }

    public record UserSegments(String userId, List<Membership> segments, long version) {
    }

    private final RedisDataSource redis;

    MembershipsResource(RedisDataSource redis) {
        this.redis = redis;
    }

    @GET
    public Response get(@PathParam("userId") String userId, @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch) {
        if (userId.isBlank() || userId.length() > MAX_USER_ID_LENGTH) {
            throw ApiException.badRequest("userId", "must be 1 to " + MAX_USER_ID_LENGTH + " characters");
        }
        List<String> pairs = new ArrayList<>();
        redis.hash(String.class).hgetall(RedisKeys.members(userId)).forEach((field, value) -> {
            pairs.add(field);
            pairs.add(value);
        });
        Memberships memberships = RedisCodec.memberships(pairs);
        EntityTag etag = new EntityTag("v" + memberships.version());
        if (ifNoneMatch != null && ifNoneMatch.contains(etag.toString())) {
            return Response.notModified(etag).build();
        }
        List<Membership> segments = new ArrayList<>();
        for (Map.Entry<String, Instant> entry : memberships.sorted().entrySet()) {
            segments.add(new Membership(entry.getKey(), entry.getValue()));
        }
        return Response.ok(new UserSegments(userId, segments, memberships.version()))
                .tag(etag)
                .header(HttpHeaders.CACHE_CONTROL, "private, max-age=0, must-revalidate")
                .build();
    }
}
