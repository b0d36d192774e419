package io.segflow.api;

import io.segflow.api.auth.Reader;
import io.segflow.api.auth.ReaderAccess;
import io.segflow.api.users.UserIds;
import io.segflow.api.users.UserState;
import io.segflow.api.users.UserState.UserSegments;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * A user's segment memberships for front-ends; the ETag is the membership version, {@code "v<version>"}, or for an id
 * merged into another user (whose memberships are answered) {@code "v<version>@<that user's id, URI-encoded>"}: the
 * versions of two users are unrelated, so the tag names whose version it is.
 */
@Path("/v1/users/{userId}/segments")
@Produces(MediaType.APPLICATION_JSON)
public class MembershipsResource {
    private final UserState state;
    private final ReaderAccess access;
    private final CachePolicy cache;

    MembershipsResource(UserState state, ReaderAccess access, CachePolicy cache) {
        this.state = state;
        this.access = access;
        this.cache = cache;
    }

    @GET
    public Response get(@PathParam("userId") String userId,
                        @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch,
                        @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                        @QueryParam(ReaderAccess.TOKEN_QUERY_PARAMETER) String accessToken) {
        Reader reader = access.authorize(UserIds.checked(userId), authorization, accessToken);
        UserSegments segments = state.segmentsFor(reader);
        EntityTag etag = new EntityTag(tag(segments));
        if (ifNoneMatch != null && ifNoneMatch.contains(etag.toString())) {
            return cache.apply(Response.notModified(etag)).build();
        }
        return cache.apply(Response.ok(segments).tag(etag)).build();
    }

    /** The opaque part of the ETag (segflow.js builds the same one for its If-None-Match). */
    static String tag(UserSegments segments) {
        return "v" + segments.version() + (segments.forwarded() ? "@" + UserIds.encoded(segments.userId()) : "");
    }
}
