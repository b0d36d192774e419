package io.segflow.system;

import io.segflow.testkit.Ports;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.segflow.core.membership.SegmentChange;
import io.segflow.core.state.UserRecord;
import io.segflow.system.ChangeHistory.Step;
import io.segflow.testkit.TestServices;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged segment-function killed with SIGKILL while it works through a backlog, then started again with the
 * same instance id: each event still counts exactly once (SDK retries too), memberships and member indexes end where
 * the events take them, and the change records, published at least once, give each user a gapless history.
 */
class EngineCrashIT {
    private static final String INSTANCE_ID = "segment-crash-test";
    /** Several partitions, so that a kill cuts across several partitions' stores of one round. */
    private static final int EVENT_PARTITIONS = 6;
    private static final int USERS = 300;
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration DRAIN = Duration.ofMinutes(3);

    /** Segments on the count of "step", with the counts at which a user is in them. */
    private record StepSegment(String id, String condition, LongPredicate holdsAt) {
    }

    /** Every one needs a step: the catalog is shared with the other system tests, whose users have none. */
    private static final List<StepSegment> SEGMENTS = List.of(
            new StepSegment("crash-few-steps", "count(\"step\") >= 1 && count(\"step\") < 20", n -> n >= 1 && n < 20),
            new StepSegment("crash-steps-3", "count(\"step\") >= 3", n -> n >= 3),
            new StepSegment("crash-steps-50", "count(\"step\") >= 50", n -> n >= 50));

    private static String kafka;
    private static String redis;
    private static EngineProgress progress;
    private static EngineState state;

    @BeforeAll
    static void defineSegments() {
        kafka = TestServices.kafkaBootstrapServers();
        redis = TestServices.redisUrl();
        progress = EngineProgress.open(kafka, EVENT_PARTITIONS);
        state = new EngineState(redis);
        // Before the engine starts, so that it evaluates the users' first events against them already.
        SEGMENTS.forEach(segment -> state.define(segment.id(), segment.condition()));
    }

    @AfterAll
    static void leaveGroup() {
        // The engine is gone, but the group keeps its static member until the session times out: let others in now.
        progress.removeStaticMember(INSTANCE_ID);
        progress.close();
        state.close();
    }

    @Test
    void anEngineKilledInTheMiddleOfABacklogCountsEveryEventExactlyOnceAfterItsRestart() throws Exception {
        StepBacklog backlog = StepBacklog.plan("crash-once-", USERS, 1);
        FunctionProcess engine = startEngine("segment-crash-once");
        try {
            progress.markBaseline();
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> backlog.sendAll(kafka));

            engine = killAndRestartOnceProcessed(engine, backlog, backlog.records() / 3);

            sending.get(DRAIN.toSeconds(), TimeUnit.SECONDS);
            awaitDrained(backlog, engine);
            assertEverythingCountedOnce(backlog, engine);
        } finally {
            engine.close();
        }
    }

    @Test
    void anEngineKilledThreeTimesUnderContinuingLoadStillCountsEveryEventExactlyOnce() throws Exception {
        StepBacklog backlog = StepBacklog.plan("crash-thrice-", USERS, 2);
        FunctionProcess engine = startEngine("segment-crash-thrice");
        try {
            progress.markBaseline();
            // A few polls' worth ahead of the engine: records keep arriving before, during and after every crash.
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> backlog.sendAhead(kafka, progress::processed, 4_000));

            for (int kill = 1; kill <= 3; kill++) {
                engine = killAndRestartOnceProcessed(engine, backlog, (long) backlog.records() * kill / 4);
            }

            sending.get(DRAIN.toSeconds(), TimeUnit.SECONDS);
            awaitDrained(backlog, engine);
            assertEverythingCountedOnce(backlog, engine);
        } finally {
            engine.close();
        }
    }

    private static FunctionProcess startEngine(String logName) throws Exception {
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka, "QUARKUS_REDIS_HOSTS", redis,
                "SEGFLOW_INSTANCE_ID", INSTANCE_ID);
        return FunctionProcess.start("segment-function", logName, freePort(), env).awaitReady(START);
    }

    /** SIGKILL once the group committed {@code atLeast} of the backlog's records, while some are still to process. */
    private static FunctionProcess killAndRestartOnceProcessed(FunctionProcess engine, StepBacklog backlog, long atLeast) throws Exception {
        await("the engine to process " + atLeast + " records (log: " + engine.log() + ")")
                .atMost(DRAIN).pollInterval(Duration.ofMillis(10))
                .until(progress::processed, processed -> processed >= atLeast);
        engine.kill();
        assertThat(progress.processed()).as("records processed when the engine was killed").isLessThan(backlog.records());
        return engine.restart().awaitReady(START);
    }

    /** Drained: the group committed everything, and no user's stored count is short of its events any more. */
    private static void awaitDrained(StepBacklog backlog, FunctionProcess engine) {
        await("the engine to drain the backlog (log: " + engine.log() + ")")
                .atMost(DRAIN).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    assertThat(progress.lag()).as("records of segflow.events not committed").isZero();
                    Map<String, UserRecord> stored = state.users(backlog.users());
                    assertThat(backlog.users()).as("users whose stored count of step is short")
                            .filteredOn(user -> !stored.containsKey(user) || steps(stored.get(user)) < backlog.expectedSteps(user))
                            .isEmpty();
                });
    }

    private static void assertEverythingCountedOnce(StepBacklog backlog, FunctionProcess engine) {
        Map<String, UserRecord> stored = state.users(backlog.users());
        Map<String, String> wrongCounts = new TreeMap<>();
        Map<String, String> wrongMemberships = new TreeMap<>();
        for (String user : backlog.users()) {
            long expected = backlog.expectedSteps(user);
            UserRecord record = stored.get(user);
            if (steps(record) != expected) {
                wrongCounts.put(user, "expected " + expected + ", stored " + steps(record));
            }
            Set<String> segments = record.memberships().since().keySet();
            if (!segments.equals(segmentsAt(expected))) {
                wrongMemberships.put(user, "expected " + segmentsAt(expected) + ", stored " + segments);
            }
        }
        String evidence = " (log: " + engine.log() + ")";
        assertThat(wrongCounts).as("users whose lifetime count of step is not their distinct messageIds" + evidence).isEmpty();
        assertThat(wrongMemberships).as("users whose memberships are not what their count implies" + evidence).isEmpty();

        Set<String> users = Set.copyOf(backlog.users());
        Map<String, List<SegmentChange>> changes = ChangeLog.read(kafka, users::contains);
        Map<String, List<String>> wrongHistories = new TreeMap<>();
        for (String user : backlog.users()) {
            List<String> problems = ChangeHistory.problems(changes.getOrDefault(user, List.of()),
                    stored.get(user).memberships(), transitionsUpTo(backlog.expectedSteps(user)));
            if (!problems.isEmpty()) {
                wrongHistories.put(user, problems);
            }
        }
        assertThat(wrongHistories).as("users whose change records on segflow.segment-changes are not a gapless history" + evidence)
                .isEmpty();

        for (StepSegment segment : SEGMENTS) {
            Set<String> members = state.members(segment.id()).stream().filter(users::contains).collect(Collectors.toSet());
            Set<String> expected = backlog.users().stream().filter(user -> segment.holdsAt().test(backlog.expectedSteps(user)))
                    .collect(Collectors.toSet());
            assertThat(members).as("member index of " + segment.id() + evidence).isEqualTo(expected);
        }
    }

    private static long steps(UserRecord record) {
        return record == null ? 0 : record.profile().count(StepBacklog.EVENT);
    }

    private static Set<String> segmentsAt(long steps) {
        return SEGMENTS.stream().filter(segment -> segment.holdsAt().test(steps)).map(StepSegment::id).collect(Collectors.toSet());
    }

    /** The enters and exits a user goes through as its count climbs from 0 to {@code steps}, one event at a time. */
    private static List<Step> transitionsUpTo(long steps) {
        List<Step> transitions = new ArrayList<>();
        Set<String> in = new HashSet<>();
        for (long count = 1; count <= steps; count++) {
            for (StepSegment segment : SEGMENTS) {
                boolean holds = segment.holdsAt().test(count);
                if (holds != in.contains(segment.id())) {
                    transitions.add(new Step(segment.id(), holds));
                    if (holds) {
                        in.add(segment.id());
                    } else {
                        in.remove(segment.id());
                    }
                }
            }
        }
        return transitions;
    }

    private static int freePort() {
        return Ports.free();
    }
}
