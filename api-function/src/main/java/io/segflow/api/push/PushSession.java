package io.segflow.api.push;

import io.segflow.api.auth.Reader;
import io.segflow.api.users.SegmentFingerprint;
import io.segflow.api.users.UserState;
import io.segflow.api.users.UserState.Resolved;
import io.segflow.api.users.UserState.UserSegments;
import io.segflow.core.membership.SegmentChange;
import java.util.Optional;
import java.util.TreeSet;

/**
 * One open push connection (SSE or WebSocket) of one user. It tracks the last version the client has, so that
 * it never sends a change twice nor skips one: a change is sent when it is exactly the next version; an older
 * one is dropped (the state already had it); a newer one means some were missed, so the current state is sent.
 * Synchronized: changes arrive on the Kafka thread while the first state may still be being sent.
 *
 * <p>Identity merges: the session serves the user whose memberships the id it was opened on leads to (that id, or
 * the user it was merged into, forwards followed). When the served id is merged while the connection is open (its
 * exits caused {@code merged-into:<user>}, then its {@code merged} record), the session moves on to that user at
 * once: the client is sent that user's state (and not the merge's exits, which would flicker), then that user's
 * changes. That user's owner takes the merged profile in one Kafka hop later, so until the user's record lists the
 * merged id the session sends nothing and reads the user again every {@value #MERGE_RECHECK_MILLIS} ms (a state
 * before the merge would hide what the merge brings, then show it again). After {@value #MERGE_WAIT_MILLIS} ms it
 * sends what the user has: a merge dropped on the user's side (the user was erased meanwhile) is never listed. A
 * session opened on the merged id in that hop waits the same way before its first state.
 */
public abstract class PushSession {
    static final long MERGE_RECHECK_MILLIS = 150;
    static final long MERGE_WAIT_MILLIS = 5_000;

    private final Reader reader;
    /** The user whose changes are sent: the requested one, or the user it was merged into. Set under the lock. */
    private volatile String serving;
    private long lastSent = -1;
    /** The segment ids the client holds after the last event sent (the state, then each change it was sent), sorted. */
    private final TreeSet<String> held = new TreeSet<>();
    /** The id just merged into the served user, while that user's record does not list it yet; else null. */
    private String awaitedMerge;
    private long awaitedUntilNanos;
    /** Set once the first state went out (or was not needed): until then the answer, maybe an error, is open. */
    private volatile boolean started;

    protected PushSession(Reader reader) {
        this.reader = reader;
        this.serving = reader.userId();
    }

    /** The id the connection was opened on. */
    public String userId() {
        return reader.userId();
    }

    /** The user whose changes the connection carries: {@link #userId()}, or the user that id was merged into. */
    public String servingId() {
        return serving;
    }

    void serving(String userId) {
        serving = userId;
    }

    /**
     * Sends the current state, unless the client resumes holding it already (the same user, version and segments:
     * an erased user's versions start again from 1). Call after the session is registered with the hub, so that no
     * change published meanwhile is lost.
     */
    public synchronized void start(UserState state, PushHub hub, Optional<EventIds.Resume> resume) {
        Resolved resolved = current(state, hub);
        UserSegments current = visible(resolved);
        if (resume.isPresent()
                && resume.get().holds(current.userId(), current.version(), SegmentFingerprint.of(current))) {
            lastSent = current.version();
            hold(current);
        } else if (resolved.forwarded() && !resolved.hasMerged(reader.userId())) {
            // Opened in the hop between the id's merge and its user taking the profile in: as for an open stream.
            heartbeat(); // the connection is answered now; its first state follows once the merge is in
            awaitMerge(reader.userId(), hub);
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

    synchronized void deliver(SegmentChange change, UserState state, PushHub hub) {
        if (!change.userId().equals(serving)) {
            return; // another id's record (the id asked for is merged into the user served): the state sent covers it
        }
        if (awaitedMerge != null) {
            return; // stored before it was published: the state sent once the merge is in includes it
        }
        if (lastSent < 0 || change.version() <= lastSent) {
            return; // not started yet (start() will read it from Redis) or already in the state sent
        }
        if (change.isOfMergedId()) {
            moveOn(change.userId(), state, hub); // to the user it was merged into, from now on
            return;
        }
        if (change.version() == lastSent + 1) {
            lastSent = change.version();
            if (change.segmentId() != null && reader.maySee(change.segmentId())) {
                if (change.entered()) {
                    held.add(change.segmentId());
                } else {
                    held.remove(change.segmentId());
                }
                sendChange(ChangeMessage.of(change));
            }
            return;
        }
        sendCurrent(visible(current(state, hub)));
    }

    /**
     * The served id {@code mergedId} was merged: the state of the user it leads to goes out once that user's record
     * lists it (the merged profile is in), else the hub calls {@link #recheckMerge} shortly.
     */
    private void moveOn(String mergedId, UserState state, PushHub hub) {
        Resolved current = current(state, hub);
        if (current.hasMerged(mergedId)) {
            sendCurrent(visible(current));
            return;
        }
        awaitMerge(mergedId, hub);
    }

    private void awaitMerge(String mergedId, PushHub hub) {
        awaitedMerge = mergedId;
        awaitedUntilNanos = System.nanoTime() + MERGE_WAIT_MILLIS * 1_000_000;
        hub.recheckLater(this, MERGE_RECHECK_MILLIS);
    }

    /** While a merge is awaited: reads the user again, and sends its state once the merge is in or the wait is over. */
    synchronized void recheckMerge(UserState state, PushHub hub) {
        if (awaitedMerge == null) {
            return;
        }
        Resolved current = current(state, hub);
        if (current.hasMerged(awaitedMerge) || System.nanoTime() - awaitedUntilNanos >= 0) {
            awaitedMerge = null;
            sendCurrent(visible(current));
        } else {
            hub.recheckLater(this, MERGE_RECHECK_MILLIS);
        }
    }

    /**
     * The state to send, of the user the requested id leads to now. When that is another user than the one served
     * so far, the session is registered for that user's changes first, then the state is read again: a change
     * published between the two reads is then in the state or delivered after it, never lost.
     */
    private Resolved current(UserState state, PushHub hub) {
        Resolved current = state.resolve(reader.userId());
        for (int moves = 0; !current.userId().equals(serving); moves++) {
            hub.follow(this, serving, current.userId());
            if (moves == UserState.MAX_FORWARDS) {
                break; // merged on and on while we read: serve what was read, a later gap sends the state again
            }
            current = state.resolve(reader.userId());
        }
        return current;
    }

    private UserSegments visible(Resolved resolved) {
        return UserState.visible(reader, resolved.userId(), resolved.mergedFrom(), resolved.memberships());
    }

    private void sendCurrent(UserSegments current) {
        lastSent = current.version();
        hold(current);
        sendState(current);
    }

    private void hold(UserSegments current) {
        held.clear();
        current.segments().forEach(membership -> held.add(membership.id()));
    }

    /**
     * The id of an event carrying {@code version} of {@code userId}, with the segments the client holds after it (see
     * {@link EventIds}). Called while the event is sent, under the lock.
     */
    protected String eventId(String userId, long version) {
        return EventIds.of(reader.userId(), userId, version, SegmentFingerprint.of(held));
    }

    protected abstract void sendState(UserSegments state);

    protected abstract void sendChange(ChangeMessage change);

    /** Sends a heartbeat (SSE comment) or checks the connection (WebSocket pings itself); false once it is gone. */
    protected abstract boolean heartbeat();

    protected abstract void close();

    /** Closes the connection after reading the state failed (Redis cannot serve it, a merge chain too long to follow). */
    protected void close(RuntimeException failure) {
        close();
    }
}
