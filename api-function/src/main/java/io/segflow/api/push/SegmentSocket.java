package io.segflow.api.push;

import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.UserData.TypedKey;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.segflow.api.ApiException;
import io.segflow.api.auth.Reader;
import io.segflow.api.redis.RedisUnavailable;
import io.segflow.api.users.UserState;
import io.segflow.api.users.UserState.UserSegments;
import io.segflow.core.json.Json;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Live membership changes of one user over a WebSocket: text messages {@code {"type":"state",...}} first, then
 * {@code {"type":"change",...}}. The token is checked at the HTTP upgrade ({@link SocketUpgradeCheck}), so a
 * refused client gets the SSE stream's JSON 400/401/403; pings keep the connection open (quarkus.websockets-next
 * auto-ping). On an id merged into another user, that user's messages (the state names it as {@code userId}, the id
 * as {@code mergedFrom}).
 */
@WebSocket(path = "/v1/users/{userId}/segments/ws")
public class SegmentSocket {
    private static final int TRY_AGAIN_LATER = 1013;
    /** Application close code (4000-4999) mirroring the HTTP reads' 409 merge_chain_too_long. */
    static final int MERGE_CHAIN_TOO_LONG = 4409;
    static final TypedKey<Reader> READER = new TypedKey<>("segflow.reader");
    private static final TypedKey<SocketSession> SESSION = new TypedKey<>("segflow.push-session");

    private final PushHub hub;
    private final UserState state;

    SegmentSocket(PushHub hub, UserState state) {
        this.hub = hub;
        this.state = state;
    }

    @OnOpen
    @Blocking
    public void open(WebSocketConnection connection) {
        SocketSession session = new SocketSession(connection.userData().get(READER), connection, hub);
        connection.userData().put(SESSION, session);
        hub.add(session);
        try {
            session.start(state, hub, Optional.empty());
        } catch (RuntimeException e) {
            hub.remove(session);
            connection.closeAndAwait(closeReason(e).orElseThrow(() -> e));
        }
    }

    /**
     * How a socket is closed when reading its state fails, at the upgrade or later (a merge while it is open), as the
     * HTTP reads would answer: a merge chain too long to follow (their 409) is 4409, Redis unable to serve (their 503)
     * 1013 "Try Again Later". The client may try again later either way.
     */
    static Optional<CloseReason> closeReason(RuntimeException failure) {
        if (failure instanceof ApiException refused && refused.status() == Response.Status.CONFLICT) {
            return Optional.of(new CloseReason(MERGE_CHAIN_TOO_LONG, UserState.MERGE_CHAIN_TOO_LONG));
        }
        return RedisUnavailable.reason(failure).map(reason -> new CloseReason(TRY_AGAIN_LATER, reason));
    }

    @OnClose
    public void close(WebSocketConnection connection) {
        SocketSession session = connection.userData().get(SESSION);
        if (session != null) {
            hub.remove(session);
        }
    }

    static final class SocketSession extends PushSession {
        private final WebSocketConnection connection;
        private final PushHub hub;

        SocketSession(Reader reader, WebSocketConnection connection, PushHub hub) {
            super(reader);
            this.connection = connection;
            this.hub = hub;
        }

        @Override
        protected void sendState(UserSegments state) {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("type", "state");
            message.put("userId", state.userId());
            if (state.forwarded()) {
                message.put("mergedFrom", state.mergedFrom());
            }
            message.put("segments", state.segments());
            message.put("version", state.version());
            send(Json.write(message));
        }

        @Override
        protected void sendChange(ChangeMessage change) {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("type", "change");
            message.putAll(Json.MAPPER.convertValue(change, Map.class));
            send(Json.write(message));
        }

        @Override
        protected boolean heartbeat() {
            return connection.isOpen(); // pings are sent by websockets-next itself
        }

        @Override
        protected void close() {
            connection.close().subscribe().with(ok -> { }, error -> { });
        }

        @Override
        protected void close(RuntimeException failure) {
            closeReason(failure).ifPresentOrElse(
                    reason -> connection.close(reason).subscribe().with(ok -> { }, error -> { }), this::close);
        }

        private void send(String text) {
            connection.sendText(text).subscribe().with(ok -> { }, error -> hub.remove(this));
        }
    }
}
