package io.segflow.api.push;

import io.segflow.api.ApiException;
import io.segflow.api.OpenApiDocument;
import io.segflow.api.auth.Reader;
import io.segflow.api.auth.ReaderAccess;
import io.segflow.api.users.UserState;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * Live membership changes of one user as Server-Sent Events. The first event is the current state
 * ({@code event: state}), then one {@code event: change} per change; every event's id is the membership version
 * and a fingerprint of the segments the client then holds, so a reconnecting browser resumes from
 * {@code Last-Event-ID} and is sent the state again only if it moved. On an
 * id merged into another user, that user's state and changes, with ids naming it ({@link EventIds}).
 */
@Path("/v1/users/{userId}/segments/stream")
public class SegmentStreamResource {
    public static final String LAST_EVENT_ID = "Last-Event-ID";
    /** The example of the OpenAPI document: the events of docs/api.md. */
    private static final String EVENTS = """
            id:3.1dec348d
            event:state
            retry:2000
            data:{"userId":"u1","segments":[{"id":"cart-lovers","since":"2026-11-26T04:33:16.364Z"}],"version":3}

            id:4.178b9cf6
            event:change
            data:{"userId":"u1","segmentId":"vip","change":"entered","at":"2026-11-26T04:35:02.120Z","version":4}

            :heartbeat
            """;

    private final PushHub hub;
    private final UserState state;
    private final ReaderAccess access;

    SegmentStreamResource(PushHub hub, UserState state, ReaderAccess access) {
        this.hub = hub;
        this.state = state;
        this.access = access;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @APIResponse(responseCode = "200", description = "an open stream: the state (unless Last-Event-ID is still current),"
            + " then a change event per membership change and a heartbeat comment every 20 s; each event's id is"
            + " <version>.<fingerprint>, with @<user id> on a merged id",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(type = SchemaType.STRING),
                    examples = @ExampleObject(name = "state-then-change", value = EVENTS)))
    @APIResponse(responseCode = "400", description = OpenApiDocument.BAD_USER_ID + "; or naming Last-Event-ID, not an id of this stream")
    @APIResponse(responseCode = "401", description = OpenApiDocument.NO_TOKEN)
    @APIResponse(responseCode = "403", description = OpenApiDocument.NOT_THIS_USER)
    @APIResponse(responseCode = "409", description = OpenApiDocument.MERGE_CHAIN)
    @APIResponse(responseCode = "503", description = OpenApiDocument.REDIS_UNAVAILABLE)
    public void stream(@PathParam("userId") String userId,
                       @HeaderParam(LAST_EVENT_ID) String lastEventId,
                       @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                       @QueryParam(ReaderAccess.TOKEN_QUERY_PARAMETER) String accessToken,
                       @Context SseEventSink sink,
                       @Context Sse sse) {
        Reader reader = access.authorize(userId, authorization, accessToken);
        Optional<EventIds.Resume> resumeFrom = resume(userId, lastEventId);
        SseSession[] self = new SseSession[1];
        self[0] = new SseSession(reader, sink, sse, () -> hub.remove(self[0]));
        hub.add(self[0]); // before reading the state: a change published meanwhile is then delivered, not lost
        try {
            self[0].start(state, hub, resumeFrom);
        } catch (RuntimeException e) {
            hub.remove(self[0]); // nothing was sent yet: the error is answered as a plain response (503 if Redis)
            throw e;
        }
    }

    private static Optional<EventIds.Resume> resume(String userId, String lastEventId) {
        try {
            return EventIds.parse(userId, lastEventId);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(LAST_EVENT_ID,
                    "must be an event id of this stream: <version>.<fingerprint> or <version>.<fingerprint>@<user id>"
                            + " (a version alone is taken too)");
        }
    }
}
