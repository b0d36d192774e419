package io.segflow.trigger.deliver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.segflow.core.trigger.TriggerAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EndpointLimitsTest {
    private static final String A = "https://a.example:-1";
    private static final String B = "https://b.example:-1";

    @Test
    void aRunOfFailuresOpensTheBreakerOfThatEndpointOnly() throws InterruptedException {
        EndpointLimits limits = new EndpointLimits(4, 3, 1_000);
        for (int i = 0; i < 3; i++) {
            assertThat(limits.acquire(A, 0)).isZero();
            limits.release(A, false, 100);
        }
        assertThat(limits.acquire(A, 200)).as("open until 100 + 1000").isEqualTo(1_100);
        assertThat(limits.acquire(B, 200)).as("another endpoint is not held up").isZero();
        limits.release(B, true, 200);

        assertThat(limits.acquire(A, 1_100)).as("half open: one try").isZero();
        limits.release(A, false, 1_100);
        assertThat(limits.isOpen(A, 1_200)).as("one more failure opens it again").isTrue();
        assertThat(limits.acquire(A, 2_100)).isZero();
        limits.release(A, true, 2_100);
        assertThat(limits.isOpen(A, 2_101)).isFalse();
    }

    @Test
    void callsInFlightAreBoundedPerEndpoint() throws InterruptedException {
        EndpointLimits limits = new EndpointLimits(2, 5, 1_000);
        assertThat(limits.acquire(A, 0)).isZero();
        assertThat(limits.acquire(A, 0)).isZero();
        assertThat(limits.acquire(A, 0)).as("full: try again shortly").isPositive();
        limits.release(A, true, 0);
        assertThat(limits.acquire(A, 0)).isZero();
    }

    @Test
    void aFreedCallGoesToTheFiringWaitingLongestNotToANewcomer() throws Exception {
        EndpointLimits limits = new EndpointLimits(1, 5, 1_000);
        assertThat(limits.acquire(A, 0)).isZero();
        java.util.concurrent.atomic.AtomicLong waited = new java.util.concurrent.atomic.AtomicLong(-1);
        Thread waiting = Thread.ofVirtual().start(() -> {
            try {
                waited.set(limits.acquire(A, 0, 5_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        while (waiting.getState() != Thread.State.TIMED_WAITING) {
            Thread.sleep(1);
        }

        limits.release(A, true, 0);

        assertThat(limits.acquire(A, 0)).as("the newcomer queues behind the waiting firing").isPositive();
        waiting.join();
        assertThat(waited.get()).isZero();
    }

    @Test
    void aFiringThatWaitedInVainStaysInTheScheduleAsItIs() throws InterruptedException {
        EndpointLimits limits = new EndpointLimits(1, 5, 1_000);
        assertThat(limits.acquire(A, 0)).isZero();
        assertThat(limits.acquire(A, 0, 20)).isEqualTo(EndpointLimits.STAY_SCHEDULED);
    }

    @Test
    void aCallFreedByAFailureThatOpensTheBreakerIsNotTakenByTheWaitingFiring() throws Exception {
        EndpointLimits limits = new EndpointLimits(1, 1, 60_000);
        long now = System.currentTimeMillis();
        assertThat(limits.acquire(A, now)).isZero();
        java.util.concurrent.atomic.AtomicLong waited = new java.util.concurrent.atomic.AtomicLong(0);
        Thread waiting = Thread.ofVirtual().start(() -> {
            try {
                waited.set(limits.acquire(A, now, 5_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        while (waiting.getState() != Thread.State.TIMED_WAITING) {
            Thread.sleep(1);
        }

        limits.release(A, false, now);

        waiting.join();
        assertThat(waited.get()).as("back to the schedule, not into the open breaker").isEqualTo(EndpointLimits.STAY_SCHEDULED);
        assertThat(limits.acquire(A, now + 60_000)).as("the call was given back: the half-open probe takes it").isZero();
    }

    @Test
    void pastSixtyFourWaitingFiringsPerCallSlotTheNextOnesDoNotWaitInMemory() throws Exception {
        EndpointLimits limits = new EndpointLimits(1, 5, 1_000);
        assertThat(limits.acquire(A, 0)).isZero();
        List<Thread> waiting = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            waiting.add(Thread.ofVirtual().start(() -> {
                try {
                    limits.acquire(A, 0, 60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        while (waiting.stream().anyMatch(t -> t.getState() != Thread.State.TIMED_WAITING)) {
            Thread.sleep(1);
        }

        // The 65th would wait a day for the slot: it is answered at once instead (the guard only stops a hang).
        assertThat(assertTimeoutPreemptively(Duration.ofSeconds(30), () -> limits.acquire(A, 0, TimeUnit.DAYS.toMillis(1))))
                .as("the 65th").isEqualTo(EndpointLimits.STAY_SCHEDULED);
        waiting.forEach(Thread::interrupt);
    }

    @Test
    void kafkaTopicsThatAreNoHostNamesStillHaveABreakerEach() throws InterruptedException {
        // '_' and a trailing '-' are fine in a topic but not in a host name.
        String failing = ActionCalls.endpointOf(new TriggerAction.Kafka("orders_retry"));
        String healthy = ActionCalls.endpointOf(new TriggerAction.Kafka("audit_log"));
        String alsoHealthy = ActionCalls.endpointOf(new TriggerAction.Kafka("audit-"));
        EndpointLimits limits = new EndpointLimits(4, 3, 1_000);
        for (int i = 0; i < 3; i++) {
            assertThat(limits.acquire(failing, 0)).isZero();
            limits.release(failing, false, 100);
        }

        assertThat(limits.isOpen(failing, 200)).isTrue();
        assertThat(limits.acquire(healthy, 200)).as("another topic is not held up").isZero();
        assertThat(limits.acquire(alsoHealthy, 200)).as("another topic is not held up").isZero();
    }
}
