package io.segflow.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.system.FaultStack.Function;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Redis and Kafka failing under a steady load through the four packaged functions: paused (SIGSTOP, as a stalled
 * VM or a long GC pause), or killed (SIGKILL) and started again on the same port and data. Nobody restarts a
 * function: each recovers by itself, every event ingest acknowledged counts exactly once, and no function answers
 * anything but a success or a documented 503 + Retry-After. The time to recover is printed ({@code [fault]} lines).
 */
class InfrastructureOutageIT {
    private static final Duration PAUSE = Duration.ofSeconds(10);
    /** How long a killed server stays down before it is started again, as a supervisor would. */
    private static final Duration DOWN = Duration.ofSeconds(5);

    private static FaultStack stack;

    @BeforeAll
    static void startStack() throws Exception {
        stack = FaultStack.start("infrastructure");
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void redisPausedForTenSecondsLosesNoEventAndCountsNoneTwice() throws Exception {
        try (FaultDrill drill = FaultDrill.start(stack, "redis-pause")) {
            drill.fault(stack::pauseRedis, PAUSE, stack::resumeRedis);
            drill.finish();
            drill.assertAnsweredOnlyAsDocumented(Set.of());
            ExactCounts.assertExact(stack, drill.load());
        }
    }

    @Test
    void redisKilledAndRestartedFromItsAppendOnlyFileLosesNoEventAndCountsNoneTwice() throws Exception {
        try (FaultDrill drill = FaultDrill.start(stack, "redis-kill")) {
            drill.fault(stack::killRedis, DOWN, stack::startRedisAgain);
            drill.finish();
            drill.assertAnsweredOnlyAsDocumented(Set.of());
            ExactCounts.assertExact(stack, drill.load());
        }
    }

    @Test
    void kafkaPausedForTenSecondsLosesNoAcknowledgedEventAndCountsNoneTwice() throws Exception {
        try (FaultDrill drill = FaultDrill.start(stack, "kafka-pause")) {
            drill.fault(stack::pauseKafka, PAUSE, stack::resumeKafka);
            drill.finish();
            drill.assertAnsweredOnlyAsDocumented(Set.of());
            ExactCounts.assertExact(stack, drill.load());
        }
    }

    /** The api reads memberships from Redis: Kafka away stalls its push, and must not take it out of service. */
    private static void assertApiStaysInService() throws Exception {
        HttpResponse<String> readiness = stack.function(Function.API).readiness();
        assertThat(readiness.statusCode()).as("the api's readiness with Kafka down: " + readiness.body()).isEqualTo(200);
    }

    @Test
    void kafkaKilledAndRestartedOnItsDataLosesNoAcknowledgedEventAndCountsNoneTwice() throws Exception {
        try (FaultDrill drill = FaultDrill.start(stack, "kafka-kill")) {
            drill.fault(stack::killKafka, DOWN, () -> {
                assertApiStaysInService();
                stack.startKafkaAgain();
            });
            drill.finish();
            drill.assertAnsweredOnlyAsDocumented(Set.of());
            ExactCounts.assertExact(stack, drill.load());
            ExactCounts.assertApiReadsStoredMemberships(stack, drill.load());
        }
    }
}
