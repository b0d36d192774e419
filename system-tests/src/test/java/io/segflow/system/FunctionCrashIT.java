package io.segflow.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.system.FaultStack.Function;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each packaged function killed with SIGKILL under a steady load and started again at once (as a supervisor does),
 * and the api's Redis pool flooded with concurrent reads. Every event ingest acknowledged counts exactly once, the
 * pipeline recovers by itself, and no function answers anything but a success or a documented 503 + Retry-After.
 * The time to recover is printed ({@code [fault]} lines).
 */
class FunctionCrashIT {
    /**
     * A restarted consumer with its instance id rejoins as the same static member; one that waited for the dead
     * member's session to time out would take 45 s.
     */
    private static final Duration BEFORE_SESSION_TIMEOUT = Duration.ofSeconds(40);

    private static FaultStack stack;

    @BeforeAll
    static void startStack() throws Exception {
        stack = FaultStack.start("functions");
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void ingestKilledAndRestartedLosesNoAcknowledgedEventAndCountsNoneTwice() throws Exception {
        crashAndRestart(Function.INGEST);
    }

    @Test
    void segmentFunctionKilledAndRestartedLosesNoEventAndCountsNoneTwice() throws Exception {
        Recovery recovery = crashAndRestart(Function.SEGMENT);
        assertThat(recovery.eventsProcessed()).as("events processed again, well before the group's session timeout (45 s)")
                .isLessThan(BEFORE_SESSION_TIMEOUT);
    }

    @Test
    void triggerFunctionKilledAndRestartedGivesEveryChangeItsTrigger() throws Exception {
        Recovery recovery = crashAndRestart(Function.TRIGGER);
        assertThat(recovery.triggersCommitted()).as("triggers committed again, well before the group's session timeout (45 s)")
                .isLessThan(BEFORE_SESSION_TIMEOUT);
    }

    @Test
    void apiKilledAndRestartedReadsTheStoredMembershipsAgain() throws Exception {
        crashAndRestart(Function.API);
    }

    @Test
    void anApiFloodedWithConcurrentReadsAnswers200Or503WithRetryAfterAndNeverAnError() throws Exception {
        try (FaultDrill drill = FaultDrill.start(stack, "api-flood")) {
            // Far more reads in flight than the api's Redis pool has connections and waiters.
            drill.reads().storm(4_000, 1_500);
            drill.finish();
            drill.assertAnsweredOnlyAsDocumented(Set.of());
            assertThat(drill.reads().answers().count(200)).as("reads answered 200 during the flood").isPositive();
            ExactCounts.assertExact(stack, drill.load());
        }
    }

    private static Recovery crashAndRestart(Function function) throws Exception {
        try (FaultDrill drill = FaultDrill.start(stack, function.module + "-kill")) {
            Recovery recovery = drill.fault(() -> stack.killAndRestart(function), Duration.ZERO, () -> {
            });
            drill.finish();
            drill.assertAnsweredOnlyAsDocumented(Set.of(function));
            ExactCounts.assertExact(stack, drill.load());
            ExactCounts.assertApiReadsStoredMemberships(stack, drill.load());
            return recovery;
        }
    }
}
