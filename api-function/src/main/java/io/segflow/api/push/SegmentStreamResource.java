package io.segflow.api.push;

import io.segflow.api.ApiException;
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
