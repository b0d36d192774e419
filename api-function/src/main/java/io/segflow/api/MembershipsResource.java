package io.segflow.api;

import io.segflow.api.auth.Reader;
import io.segflow.api.auth.ReaderAccess;
import io.segflow.api.users.SegmentFingerprint;
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
 * A user's segment memberships for front-ends. The ETag is {@code "v<version>.<segments>"}: the membership version
 * and a fingerprint of the segment ids answered ({@link SegmentFingerprint}), so that two answers with the same version but other segments never
 * share a tag (tokens with different allow-lists; a user erased and seen again, whose versions start again from 1).
 * For an id merged into another user (whose memberships are answered) {@code "@<that user's id, URI-encoded>"}
 * follows: the versions of two users are unrelated, so the tag names whose version it is.
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
        Reader reader = access.authorize(userId, authorization, accessToken);
        UserSegments segments = state.segmentsFor(reader);
        EntityTag etag = new EntityTag(tag(segments));
        if (matches(ifNoneMatch, etag)) {
            return cache.apply(Response.notModified(etag)).build();
        }
        return cache.apply(Response.ok(segments).tag(etag)).build();
    }

    /** {@code *} matches any current answer (RFC 9110): every user has one, version 0 for a user without state. */
    private static boolean matches(String ifNoneMatch, EntityTag etag) {
        return ifNoneMatch != null && (ifNoneMatch.strip().equals("*") || ifNoneMatch.contains(etag.toString()));
    }

    /** The opaque part of the ETag (segflow.js builds the same one for its If-None-Match). */
    static String tag(UserSegments segments) {
        return "v" + segments.version() + "." + SegmentFingerprint.of(segments)
                + (segments.forwarded() ? "@" + UserIds.encoded(segments.userId()) : "");
    }
}
