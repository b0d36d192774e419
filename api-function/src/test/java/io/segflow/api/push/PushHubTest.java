package io.segflow.api.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.api.auth.Reader;
import io.segflow.api.users.UserState.UserSegments;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/** A heartbeat round reaches every session, whatever one of them throws; readiness follows the consumer's first assignment. */
class PushHubTest {

    @Test
    void aSessionWhoseHeartbeatThrowsIsDroppedAndTheOthersStillGetTheirs() {
        PushHub hub = new PushHub(null, null, null); // a heartbeat round uses neither Redis nor Vert.x nor the config
        List<Session> alive = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Session session = new Session("alive-" + i, false);
            alive.add(session);
            hub.add(session);
            if (i == 10) {
                hub.add(new Session("gone", true));
            }
        }

        hub.heartbeatAll();

        assertThat(alive).allSatisfy(session -> assertThat(session.heartbeats).as(session.userId()).isEqualTo(1));
        assertThat(hub.openConnections()).isEqualTo(alive.size());
        assertThat(hub.openConnections("gone")).isZero();
    }

    @Test
    void anInstanceIsReadyOnceItsConsumerFirstHadPartitionsAndStaysSoWhenKafkaTakesThemAway() {
        PushHub hub = new PushHub(null, null, null);
        PushReadiness readiness = new PushReadiness(hub);
        assertThat(readiness.call().getStatus()).as("before the first assignment").isEqualTo(HealthCheckResponse.Status.DOWN);

        hub.listening(true);
        hub.listening(false); // partitions lost: the broker is away

        HealthCheckResponse answer = readiness.call();
        assertThat(answer.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(answer.getData().orElseThrow()).containsEntry("listening", false);
    }

    /** A session whose heartbeat succeeds, or throws as a sink does that the client left between check and send. */
    private static final class Session extends PushSession {
        private final boolean throwing;
        private int heartbeats;

        Session(String userId, boolean throwing) {
            super(Reader.unrestricted(userId));
            this.throwing = throwing;
        }

        @Override
        boolean keepAlive() {
            return heartbeat(); // as a started session
        }

        @Override
        protected boolean heartbeat() {
            if (throwing) {
                throw new IllegalStateException("Already closed");
            }
            heartbeats++;
            return true;
        }

        @Override
        protected void sendState(UserSegments state) {
        }

        @Override
        protected void sendChange(ChangeMessage change) {
        }

        @Override
        protected void close() {
        }
    }
}
