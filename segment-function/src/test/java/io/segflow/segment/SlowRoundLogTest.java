package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.segflow.testkit.RedisProcess;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * With {@code segflow.engine.slow-round} set, a round that takes longer logs where its time went. Redis stalled
 * (SIGSTOP) for a moment holds up the engine's next Redis call: its round's line puts that time in a step that talks to
 * Redis, not in reading records, applying events or the backfill, and its steps add up to the round.
 */
@QuarkusTest
@TestProfile(SlowRoundLogTest.SlowRoundsLogged.class)
class SlowRoundLogTest extends SegmentFunctionTestBase {
    private static final long STALL_MILLIS = 400;
    private static final Pattern LINE = Pattern.compile("A round took ([0-9.]+) ms after its poll \\([0-9.]+ ms\\): (.*) ms; \\d+ records polled.*");
    /**
     * The steps that wait for Redis: the round trip, the due wakes' read, and the seal (a round whose users are all in
     * memory is stored at once). Which of them meets the stall depends on where the engine was when Redis stopped.
     */
    private static final List<String> REDIS_STEPS = List.of("store and reads", "wakes", "seal");

    public static class SlowRoundsLogged implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("segflow.engine.slow-round", "200ms");
        }
    }

    @Test
    void aRoundHeldUpByAStalledRedisLogsTheTimeInTheStepThatWaitedForIt() {
        String user = "slow-round-" + UUID.randomUUID();
        send(trackEvent(user, "before", UUID.randomUUID().toString()));
        await().atMost(Duration.ofSeconds(30)).until(() -> record(user).map(r -> r.profile().count("before") == 1).orElse(false));

        List<String> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger slowRounds = Logger.getLogger("io.segflow.segment.consume.SlowRounds");
        slowRounds.addHandler(capture);
        try {
            long redisPid = redisPid();
            RedisProcess.signal(redisPid, "-STOP");
            try {
                send(trackEvent(user, "during", UUID.randomUUID().toString()));
                sleep(STALL_MILLIS); // idle rounds read due wakes every 100 ms: the engine waits for Redis within it
            } finally {
                RedisProcess.signal(redisPid, "-CONT");
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> record(user).map(r -> r.profile().count("during") == 1).orElse(false));
            await().atMost(Duration.ofSeconds(10)).until(() -> stalledRound(lines).isPresent());
        } finally {
            slowRounds.removeHandler(capture);
        }

        Matcher line = stalledRound(lines).orElseThrow();
        double took = Double.parseDouble(line.group(1));
        Map<String, Double> steps = steps(line.group(2));
        assertThat(steps.keySet()).as(line.group()).containsExactly("records", "store and reads", "events", "wakes", "backfill", "seal");
        assertThat(steps.values().stream().mapToDouble(Double::doubleValue).sum()).as("the steps add up to the round: " + line.group())
                .isCloseTo(took, offset(0.6));
        String longest = steps.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        assertThat(longest).as("the step that waited for the stalled Redis: " + line.group()).isIn(REDIS_STEPS);
        assertThat(steps.get(longest)).as(line.group()).isGreaterThan(STALL_MILLIS / 2.0);
    }

    /** The first line of a round that took at least half the stall, matched. */
    private static Optional<Matcher> stalledRound(List<String> lines) {
        return lines.stream().map(LINE::matcher)
                .filter(line -> line.matches() && Double.parseDouble(line.group(1)) >= STALL_MILLIS / 2.0).findFirst();
    }

    /** "records 0.1, store and reads 390.2, ..." as step to milliseconds, in the line's order. */
    private static Map<String, Double> steps(String listed) {
        Map<String, Double> steps = new LinkedHashMap<>();
        for (String step : listed.split(", ")) {
            int space = step.lastIndexOf(' ');
            steps.put(step.substring(0, space), Double.parseDouble(step.substring(space + 1)));
        }
        return steps;
    }
}
