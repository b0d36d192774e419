package io.segflow.api;

import io.segflow.api.auth.Reader;
import io.segflow.api.auth.ReaderAccess;
import io.segflow.api.redis.RetriedOnLostConnection;
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
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

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
    private static final String ETAG = "\"v<version>.<fingerprint>\", with @<user id> for a merged id: send it back as If-None-Match";
    private static final String CACHE_CONTROL = "private (or public with s-maxage: SEGFLOW_CACHE_MODE), max-age=5, stale-while-revalidate=30";
    private static final String VARY = "Authorization, Origin";

    private final UserState state;
    private final ReaderAccess access;
    private final CachePolicy cache;

    MembershipsResource(UserState state, ReaderAccess access, CachePolicy cache) {
        this.state = state;
        this.access = access;
        this.cache = cache;
    }

    @GET
    @RetriedOnLostConnection
    @APIResponse(responseCode = "200", description = "the user's memberships (for a merged id, its user's, with mergedFrom)",
            headers = {@Header(name = HttpHeaders.ETAG, description = ETAG, schema = @Schema(type = SchemaType.STRING)),
                    @Header(name = HttpHeaders.CACHE_CONTROL, description = CACHE_CONTROL, schema = @Schema(type = SchemaType.STRING)),
                    @Header(name = HttpHeaders.VARY, description = VARY, schema = @Schema(type = SchemaType.STRING))},
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = UserSegments.class)))
    @APIResponse(responseCode = "304", description = "not modified: If-None-Match names the current ETag, or is *",
            headers = {@Header(name = HttpHeaders.ETAG, description = ETAG, schema = @Schema(type = SchemaType.STRING)),
                    @Header(name = HttpHeaders.CACHE_CONTROL, description = CACHE_CONTROL, schema = @Schema(type = SchemaType.STRING)),
                    @Header(name = HttpHeaders.VARY, description = VARY, schema = @Schema(type = SchemaType.STRING))})
    @APIResponse(responseCode = "400", description = OpenApiDocument.BAD_USER_ID)
    @APIResponse(responseCode = "401", description = OpenApiDocument.NO_TOKEN)
    @APIResponse(responseCode = "403", description = OpenApiDocument.NOT_THIS_USER)
    @APIResponse(responseCode = "409", description = OpenApiDocument.MERGE_CHAIN)
    @APIResponse(responseCode = "503", description = OpenApiDocument.REDIS_UNAVAILABLE)
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
