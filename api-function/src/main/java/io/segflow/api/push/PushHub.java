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

/** The open push connections of this instance, by user; fans each change out to that user's connections. */
@ApplicationScoped
public class PushHub {
    private static final Logger LOG = Logger.getLogger(PushHub.class);

    private final ConcurrentHashMap<String, Set<PushSession>> byUser = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final UserState state;
    private final Vertx vertx;
    private final ApiConfig config;
    private volatile boolean listening;
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
        byUser.computeIfAbsent(session.userId(), u -> ConcurrentHashMap.newKeySet()).add(session);
        open.incrementAndGet();
    }

    public void remove(PushSession session) {
        byUser.computeIfPresent(session.userId(), (u, sessions) -> {
            if (sessions.remove(session)) {
                open.decrementAndGet();
            }
            return sessions.isEmpty() ? null : sessions;
        });
    }

    /** Called for every record on segflow.segment-changes; a user without connections here costs one map lookup. */
    public void publish(SegmentChange change) {
        Set<PushSession> sessions = byUser.get(change.userId());
        if (sessions == null) {
            return;
        }
        for (PushSession session : sessions) {
            try {
                session.deliver(change, state);
            } catch (RuntimeException e) {
                LOG.debugf(e, "dropping a push connection of %s", change.userId());
                remove(session);
            }
        }
        if (SegmentChange.ERASURE.equals(change.cause())) {
            // The erased user's next versions start again from zero, which an open session would drop as already
            // sent: close it, so that the client reconnects and is sent the state afresh. This reaches connections
            // opened after the erasure request, and those held by other instances than the one that accepted it.
            closeAll(change.userId());
        }
    }

    /** Closes every connection of a user (after an erasure: its versions start again from zero). */
    public void closeAll(String userId) {
        Set<PushSession> sessions = byUser.remove(userId);
        if (sessions != null) {
            open.addAndGet(-sessions.size());
            sessions.forEach(PushSession::close);
        }
    }

    public int openConnections() {
        return open.get();
    }

    /** True once this instance's consumer has its partitions: changes published from then on are pushed. */
    public boolean listening() {
        return listening;
    }

    void listening(boolean listening) {
        this.listening = listening;
    }

    private void heartbeatAll() {
        byUser.values().forEach(sessions -> sessions.forEach(session -> {
            if (!session.keepAlive()) {
                remove(session);
            }
        }));
    }
}
