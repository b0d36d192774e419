package io.segflow.api.push;

import io.segflow.api.auth.Reader;
import io.segflow.api.users.UserState.UserSegments;
import io.segflow.core.json.Json;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

/**
 * A push session over Server-Sent Events: {@code state} and {@code change} events whose id is the version and the
 * fingerprint of the segments the client then holds (with the user it is of, once the stream serves the user its id
 * was merged into: {@link EventIds}).
 */
final class SseSession extends PushSession {
    /** How long a browser waits before reconnecting (it then sends Last-Event-ID). */
    private static final long RECONNECT_MILLIS = 2_000;

    private final SseEventSink sink;
    private final Sse sse;
    private final Runnable onFailure;

    SseSession(Reader reader, SseEventSink sink, Sse sse, Runnable onFailure) {
        super(reader);
        this.sink = sink;
        this.sse = sse;
        this.onFailure = onFailure;
    }

    @Override
    protected void sendState(UserSegments state) {
        send(event("state", eventId(state.userId(), state.version()), Json.write(state)).reconnectDelay(RECONNECT_MILLIS).build());
    }

    @Override
    protected void sendChange(ChangeMessage change) {
        send(event("change", eventId(change.userId(), change.version()), Json.write(change)).build());
    }

    @Override
    protected boolean heartbeat() {
        return send(sse.newEventBuilder().comment("heartbeat").build());
    }

    @Override
    protected void close() {
        sink.close();
    }

    private OutboundSseEvent.Builder event(String name, String id, String json) {
        return sse.newEventBuilder().name(name).id(id).data(json);
    }

    /** False, and the session ended, once the client is gone. */
    private boolean send(OutboundSseEvent event) {
        if (!sink.isClosed()) {
            try {
                sink.send(event).whenComplete((ok, error) -> {
                    if (error != null) {
                        onFailure.run();
                    }
                });
                return true;
            } catch (IllegalStateException closedMeanwhile) {
                // The client left between isClosed() and send(): the sink refuses the event, as a closed one.
            }
        }
        onFailure.run();
        return false;
    }
}
