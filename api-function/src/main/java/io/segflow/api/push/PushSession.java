package io.segflow.api.push;

import io.segflow.api.auth.Reader;
import io.segflow.api.users.UserState;
import io.segflow.api.users.UserState.UserSegments;
import io.segflow.core.membership.SegmentChange;
import java.util.OptionalLong;

/**
 * One open push connection (SSE or WebSocket) of one user. It tracks the last version the client has, so that
 * it never sends a change twice nor skips one: a change is sent when it is exactly the next version; an older
 * one is dropped (the state already had it); a newer one means some were missed, so the current state is sent.
 * Synchronized: changes arrive on the Kafka thread while the first state may still be being sent.
 */
public abstract class PushSession {
    private final Reader reader;
    private long lastSent = -1;
    /** Set once the first state went out (or was not needed): until then the answer, maybe an error, is open. */
    private volatile boolean started;

    protected PushSession(Reader reader) {
        this.reader = reader;
    }

    public String userId() {
        return reader.userId();
    }

    /**
     * Sends the current state, unless the client resumes at the current version already. Call after the session
     * is registered with the hub, so that no change published meanwhile is lost.
     */
    public synchronized void start(UserState state, OptionalLong resumeFrom) {
        UserSegments current = state.segmentsFor(reader);
        if (resumeFrom.isPresent() && resumeFrom.getAsLong() == current.version()) {
            lastSent = current.version();
        } else {
            sendCurrent(current);
        }
        started = true;
    }

    /**
     * Keeps proxies from closing an idle connection; false once the client is gone. Nothing is sent before the
     * session started: a heartbeat would commit a 200 while reading the state may still fail (then a 503).
     */
    boolean keepAlive() {
        return !started || heartbeat();
    }

    synchronized void deliver(SegmentChange change, UserState state) {
        if (lastSent < 0 || change.version() <= lastSent) {
            return; // not started yet (start() will read it from Redis) or already in the state sent
        }
        if (change.version() == lastSent + 1) {
            lastSent = change.version();
            if (reader.maySee(change.segmentId())) {
                sendChange(ChangeMessage.of(change));
            }
            return;
        }
        sendCurrent(state.segmentsFor(reader));
    }

    private void sendCurrent(UserSegments current) {
        lastSent = current.version();
        sendState(current);
    }

    protected abstract void sendState(UserSegments state);

    protected abstract void sendChange(ChangeMessage change);

    /** Sends a heartbeat (SSE comment) or checks the connection (WebSocket pings itself); false once it is gone. */
    protected abstract boolean heartbeat();

    protected abstract void close();
}
