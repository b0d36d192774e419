package io.segflow.api.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.segflow.api.auth.Reader;
import io.segflow.api.users.UserState.UserSegments;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.resteasy.reactive.server.jaxrs.SseImpl;
import org.junit.jupiter.api.Test;

/** A client that leaves between the sink's isClosed() and send() ends the session, not the caller. */
class SseSessionTest {

    @Test
    void aHeartbeatToAClientThatJustLeftSaysTheSessionIsGone() {
        AtomicInteger failures = new AtomicInteger();
        SseSession session = new SseSession(Reader.unrestricted("u1"), new LeftBeforeTheSend(), SseImpl.INSTANCE, failures::incrementAndGet);

        assertThat(session.heartbeat()).isFalse();
        assertThat(failures).hasValue(1);
    }

    @Test
    void aStateForAClientThatJustLeftEndsTheSessionInsteadOfFailingTheRequest() {
        AtomicInteger failures = new AtomicInteger();
        SseSession session = new SseSession(Reader.unrestricted("u1"), new LeftBeforeTheSend(), SseImpl.INSTANCE, failures::incrementAndGet);

        assertThatCode(() -> session.sendState(new UserSegments("u1", null, List.of(), 3))).doesNotThrowAnyException();
        assertThat(failures).hasValue(1);
    }

    /** Open when asked, closed by the time the event is sent: the sink then refuses it, as Quarkus's does. */
    private static final class LeftBeforeTheSend implements SseEventSink {
        @Override
        public boolean isClosed() {
            return false;
        }

        @Override
        public CompletionStage<?> send(OutboundSseEvent event) {
            throw new IllegalStateException("Already closed");
        }

        @Override
        public void close() {
        }
    }
}
