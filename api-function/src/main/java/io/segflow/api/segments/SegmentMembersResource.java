package io.segflow.api.segments;

import io.segflow.api.AdminOnly;
import io.segflow.api.ApiException;
import io.segflow.api.OpenApiDocument;
import io.segflow.api.SegmentRepository;
import io.segflow.api.redis.RetriedOnLostConnection;
import io.segflow.api.segments.MemberIndex.Cursor;
import io.segflow.api.segments.MemberIndex.Member;
import io.segflow.api.segments.MemberIndex.Page;
import io.segflow.core.rules.SegmentDefinition;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** The members of a segment, a page at a time (admin): {@code ?limit=} (1 to 1000) and the {@code nextCursor} of the previous page. */
@Path("/v1/segments/{id}/members")
@AdminOnly
@Produces(MediaType.APPLICATION_JSON)
public class SegmentMembersResource {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1_000;

    public record MembersPage(String segmentId, long count, List<Member> members, String nextCursor) {
    }

    private final MemberIndex index;
    private final SegmentRepository segments;

    SegmentMembersResource(MemberIndex index, SegmentRepository segments) {
        this.index = index;
        this.segments = segments;
    }

    @GET
    @RetriedOnLostConnection
    @APIResponse(responseCode = "200", description = "a page of members in entry order; pass nextCursor back until it is absent",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MembersPage.class)))
    @APIResponse(responseCode = "400", description = "invalid_request naming limit (1 to " + MAX_LIMIT + "), cursor or id")
    @APIResponse(responseCode = "401", description = OpenApiDocument.NO_ADMIN_KEY)
    @APIResponse(responseCode = "403", description = OpenApiDocument.NOT_ADMIN)
    @APIResponse(responseCode = "404", description = "no such segment")
    @APIResponse(responseCode = "503", description = OpenApiDocument.REDIS_UNAVAILABLE)
    public MembersPage members(@PathParam("id") String id, @QueryParam("cursor") String cursor, @QueryParam("limit") String limit) {
        if (!SegmentDefinition.isValidId(id)) {
            throw ApiException.badRequest("id", "must match " + SegmentDefinition.ID_PATTERN.pattern());
        }
        if (segments.find(id).isEmpty()) {
            throw ApiException.notFound("id", "no segment " + id);
        }
        Page page = index.page(id, decode(cursor), limit(limit));
        return new MembersPage(id, index.count(id), page.members(), page.next().map(SegmentMembersResource::encode).orElse(null));
    }

    private static int limit(String limit) {
        if (limit == null || limit.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int value = Integer.parseInt(limit.trim());
            if (value >= 1 && value <= MAX_LIMIT) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw ApiException.badRequest("limit", "must be a whole number from 1 to " + MAX_LIMIT);
    }

    static String encode(Cursor cursor) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((cursor.sinceMillis() + ":" + cursor.userId()).getBytes(StandardCharsets.UTF_8));
    }

    static Optional<Cursor> decode(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return Optional.empty();
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor.trim()), StandardCharsets.UTF_8);
            int colon = text.indexOf(':');
            return Optional.of(new Cursor(Long.parseLong(text.substring(0, colon)), text.substring(colon + 1)));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw ApiException.badRequest("cursor", "is not a cursor this API returned");
        }
    }
}
