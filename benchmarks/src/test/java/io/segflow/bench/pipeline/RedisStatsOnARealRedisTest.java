package io.segflow.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.bench.engine.Resp;
import io.segflow.testkit.RedisProcess;
import java.io.IOException;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Redis' own counters, read from a real redis-server as the benchmarks read them. */
class RedisStatsOnARealRedisTest {
    /** A server of its own, not the test JVM's shared one: the counters count every command the server sees. */
    private static RedisProcess redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisProcess.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Test
    void commandStatsGiveTheCallsMadeBetweenTwoSnapshots() throws IOException {
        try (Resp resp = new Resp(redis.url())) {
            RedisStats before = RedisStats.take(resp);
            for (int i = 0; i < 5; i++) {
                resp.call("SET", "stats:" + i, "v");
            }
            for (int i = 0; i < 3; i++) {
                resp.call("GET", "stats:" + i);
            }
            resp.call("HSET", "stats:h", "f", "v");
            RedisStats after = RedisStats.take(resp);

            // INFO itself is called between the snapshots too: the first snapshot's INFO cpu
            Map<String, Long> calls = after.since(before).stream().collect(Collectors.toMap(RedisStats.Command::name, RedisStats.Command::calls));
            assertThat(calls).containsEntry("set", 5L).containsEntry("get", 3L).containsEntry("hset", 1L);
            assertThat(calls.keySet()).containsOnly("set", "get", "hset", "info");
            assertThat(after.since(before)).allSatisfy(command -> assertThat(command.usec()).isGreaterThanOrEqualTo(0));
            assertThat(after.cpuSeconds()).isGreaterThanOrEqualTo(before.cpuSeconds()).isPositive();
        }
    }

    @Test
    void noRewriteIsCountedOnARedisWithoutAppendOnlyFile() throws IOException {
        try (Resp resp = new Resp(redis.url())) {
            RedisStats.AofRewrites before = RedisStats.AofRewrites.take(resp);
            resp.call("SET", "aof:k", "v");
            assertThat(RedisStats.AofRewrites.take(resp).since(before)).isZero();
        }
    }
}
