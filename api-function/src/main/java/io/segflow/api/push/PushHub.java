package io.segflow.api.push;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.segflow.api.ApiConfig;
import io.segflow.api.users.UserState;
import io.segflow.core.membership.SegmentChange;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The open push connections of this instance, by user; fans each change out to that user's connections (those
 * opened on it, and those opened on an id merged into it).
 */
@ApplicationScoped
public class PushHub {
    private static final Logger LOG = Logger.getLogger(PushHub.class);

    /** Sessions by the id they were opened on and by the user they serve (the same, unless that id was merged). */
    private final ConcurrentHashMap<String, Set<PushSession>> byUser = new ConcurrentHashMap<>();
    private final Set<PushSession> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger();
    private final UserState state;
    private final Vertx vertx;
    private final ApiConfig config;
    private volatile boolean listening;
    private volatile boolean listenedOnce;
    private long heartbeatTimer = -1;

    PushHub(UserState state, Vertx vertx, ApiConfig config) {
        this.state = state;
        this.vertx = vertx;
        this.config = config;
    }

    void startHeartbeats(@Observes StartupEvent ignored) {
        heartbeatTimer = vertx.setPeriodic(config.push().heartbeat().toMillis(), id -> vertx.executeBlocking(() -> {
            heartbeatAll();
            return null;
        }, false));
    }

    void stopHeartbeats(@Observes ShutdownEvent ignored) {
        if (heartbeatTimer >= 0) {
            vertx.cancelTimer(heartbeatTimer);
        }
    }

    public void add(PushSession session) {
        if (sessions.add(session)) {
            open.incrementAndGet();
            index(session.userId(), session);
        }
    }

    public void remove(PushSession session) {
        if (sessions.remove(session)) {
            open.decrementAndGet();
            unindex(session.userId(), session);
            String serving = session.servingId();
            if (!serving.equals(session.userId())) {
                unindex(serving, session);
            }
        }
    }

    /**
     * A session moves on from the user it served to {@code to} (the id it was opened on was merged into that user):
     * it is registered for {@code to}'s changes, and stays registered under the id it was opened on, so that
     * {@link #closeAll} of that id still reaches it. Called under the session's lock.
     */
    void follow(PushSession session, String from, String to) {
        index(to, session);
        session.serving(to);
        if (!sessions.contains(session)) {
            unindex(to, session); // removed meanwhile: remove() may have read the old serving id
        } else if (!from.equals(session.userId())) {
            unindex(from, session);
        }
    }

    /**
     * Calls {@link PushSession#recheckMerge} after {@code delayMillis}, on a worker thread (it reads Redis); not for a
     * session closed meanwhile.
     */
    void recheckLater(PushSession session, long delayMillis) {
        vertx.setTimer(delayMillis, id -> vertx.executeBlocking(() -> {
            recheck(session);
            return null;
        }, false));
    }

    private void recheck(PushSession session) {
        if (!sessions.contains(session)) {
            return;
        }
        try {
            session.recheckMerge(state, this);
        } catch (RuntimeException e) {
            // As in publish: Redis cannot serve the state now, or a merge chain too long to follow.
            LOG.debugf(e, "closing a push connection of %s", session.userId());
            remove(session);
            closeQuietly(session, e);
        }
    }

    /** Called for every record on segflow.segment-changes; a user without connections here costs one map lookup. */
    public void publish(SegmentChange change) {
        Set<PushSession> users = byUser.get(change.userId());
        if (users == null) {
            return;
        }
        if (change.isErased()) {
            // The id's last record: the next profile's versions start again from 1, which an open session would drop
            // as already sent. Close it, so that the client reconnects and is sent the state afresh. This reaches
            // connections opened after the erasure request, those held by other instances than the one that
            // accepted it, and those opened on ids merged into the user (each forward has an erased record too).
            closeAll(change.userId());
            return;
        }
        for (PushSession session : users) {
            try {
                session.deliver(change, state, this);
            } catch (RuntimeException e) {
                // Redis cannot serve the state now, or a merge chain too long to follow: the client reconnects.
                LOG.debugf(e, "closing a push connection of %s", change.userId());
                remove(session);
                closeQuietly(session, e);
            }
        }
    }

    /**
     * Closes every connection serving a user or opened on it (after an erasure: its versions start again from 1).
     */
    public void closeAll(String userId) {
        Set<PushSession> users = byUser.get(userId);
        if (users != null) {
            for (PushSession session : users) {
                remove(session);
                closeQuietly(session);
            }
        }
    }

    public int openConnections() {
        return open.get();
    }

    /** The streams open here on {@code userId} or serving it. */
    public int openConnections(String userId) {
        Set<PushSession> users = byUser.get(userId);
        return users == null ? 0 : users.size();
    }

    /** True while this instance's consumer has its partitions: changes published meanwhile are pushed. */
    public boolean listening() {
        return listening;
    }

    /**
     * True once the consumer first had its partitions. A new instance is not ready before (a stream opened then would
     * miss the changes published in between); one that loses them later, while Kafka is away, still answers reads.
     */
    public boolean listenedOnce() {
        return listenedOnce;
    }

    void listening(boolean listening) {
        this.listening = listening;
        if (listening) {
            listenedOnce = true;
        }
    }

    /** One round over every session: a session that fails is dropped, and the others still get theirs. */
    void heartbeatAll() {
        for (PushSession session : sessions) {
            try {
                if (!session.keepAlive()) {
                    remove(session);
                }
            } catch (RuntimeException e) {
                LOG.debugf(e, "closing a push connection of %s whose heartbeat failed", session.userId());
                remove(session);
                closeQuietly(session);
            }
        }
    }

    /** Closes a connection whose state could not be read, telling the client why where it can (a WebSocket's code). */
    private static void closeQuietly(PushSession session, RuntimeException failure) {
        closeQuietly(session, () -> session.close(failure));
    }

    private static void closeQuietly(PushSession session) {
        closeQuietly(session, session::close);
    }

    private static void closeQuietly(PushSession session, Runnable close) {
        try {
            close.run();
        } catch (RuntimeException e) {
            LOG.debugf(e, "closing a push connection of %s failed", session.userId());
        }
    }

    private void index(String userId, PushSession session) {
        byUser.compute(userId, (u, users) -> {
            Set<PushSession> set = users == null ? ConcurrentHashMap.newKeySet() : users;
            set.add(session);
            return set;
        });
    }

    private void unindex(String userId, PushSession session) {
        byUser.computeIfPresent(userId, (u, users) -> {
            users.remove(session);
            return users.isEmpty() ? null : users;
        });
    }
}
