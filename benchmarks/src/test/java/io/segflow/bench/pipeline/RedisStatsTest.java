package io.segflow.bench.pipeline;

import static io.segflow.bench.engine.ScriptedRedis.bulk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.segflow.bench.engine.Resp;
import io.segflow.bench.engine.ScriptedRedis;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisStatsTest {
    // As Redis 7.2 answers INFO commandstats, INFO cpu and INFO persistence (abridged), lines ending in \r\n.
    private static final String COMMANDSTATS = """
            # Commandstats\r
            cmdstat_evalsha:calls=10,usec=512,usec_per_call=51.20,rejected_calls=0,failed_calls=0\r
            cmdstat_exec:calls=2400,usec=183456,usec_per_call=76.44,rejected_calls=0,failed_calls=1\r
            cmdstat_multi:calls=2400,usec=1200,usec_per_call=0.50,rejected_calls=0,failed_calls=0\r
            cmdstat_hset:calls=48000,usec=96000,usec_per_call=2.00,rejected_calls=0,failed_calls=0\r
            cmdstat_client|setname:calls=3,usec=4,usec_per_call=1.33,rejected_calls=0,failed_calls=0\r
            cmdstat_info:calls=7,usec=700,usec_per_call=100.00,rejected_calls=0,failed_calls=0\r
            """;
    private static final String CPU = """
            # CPU\r
            used_cpu_sys:12.345678\r
            used_cpu_user:23.456789\r
            used_cpu_sys_children:0.001234\r
            used_cpu_user_children:0.002345\r
            used_cpu_sys_main_thread:12.000000\r
            used_cpu_user_main_thread:23.000000\r
            """;
    private static final String PERSISTENCE = """
            # Persistence\r
            loading:0\r
            aof_enabled:1\r
            aof_rewrite_in_progress:0\r
            aof_rewrites:3\r
            aof_rewrites_consecutive_failures:0\r
            aof_last_bgrewrite_status:ok\r
            """;

    private static ScriptedRedis redisAnswering(String commandstats, String cpu, String persistence) throws IOException {
        return new ScriptedRedis(args -> switch (String.join(" ", args)) {
            case "INFO commandstats" -> bulk(commandstats);
            case "INFO cpu" -> bulk(cpu);
            case "INFO persistence" -> bulk(persistence);
            default -> ScriptedRedis.raw("-ERR unknown command\r\n");
        });
    }

    @Test
    void takeReadsEachCommandsCallsAndMicrosAndTheCpuOfRedisItself() throws IOException {
        try (ScriptedRedis redis = redisAnswering(COMMANDSTATS, CPU, PERSISTENCE); Resp resp = new Resp(redis.url())) {
            RedisStats stats = RedisStats.take(resp);

            assertThat(stats.commands()).isEqualTo(Map.of(
                    "evalsha", new RedisStats.Command("evalsha", 10, 512),
                    "exec", new RedisStats.Command("exec", 2400, 183456),
                    "multi", new RedisStats.Command("multi", 2400, 1200),
                    "hset", new RedisStats.Command("hset", 48000, 96000),
                    "client|setname", new RedisStats.Command("client|setname", 3, 4),
                    "info", new RedisStats.Command("info", 7, 700)));
            // user + system of the server, not of a rewrite's child, and not the main thread's again
            assertThat(stats.cpuSeconds()).isCloseTo(12.345678 + 23.456789, within(1e-9));
            assertThat(redis.received()).map(command -> command.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList())
                    .containsExactly(List.of("INFO", "commandstats"), List.of("INFO", "cpu"));
        }
    }

    @Test
    void noCommandsYetAndNoCpuFieldsGiveNothingAndZero() throws IOException {
        try (ScriptedRedis redis = redisAnswering("# Commandstats\r\n", "# CPU\r\n", "# Persistence\r\n");
             Resp resp = new Resp(redis.url())) {
            RedisStats stats = RedisStats.take(resp);

            assertThat(stats.commands()).isEmpty();
            assertThat(stats.cpuSeconds()).isZero();
            assertThat(RedisStats.AofRewrites.take(resp).started()).isZero();
        }
    }

    @Test
    void aofRewritesCountThoseStartedSinceBefore() throws IOException {
        try (ScriptedRedis redis = redisAnswering(COMMANDSTATS, CPU, PERSISTENCE); Resp resp = new Resp(redis.url())) {
            RedisStats.AofRewrites now = RedisStats.AofRewrites.take(resp);

            assertThat(now.started()).isEqualTo(3);
            assertThat(now.since(new RedisStats.AofRewrites(1))).isEqualTo(2);
        }
    }

    @Test
    void sinceGivesTheCommandsCalledInBetweenWithTheirDifferencesMostTimeFirst() {
        RedisStats before = new RedisStats(Map.of(
                "exec", new RedisStats.Command("exec", 2400, 183456),
                "hset", new RedisStats.Command("hset", 48000, 96000),
                "info", new RedisStats.Command("info", 7, 700)), 1.0);
        RedisStats after = new RedisStats(Map.of(
                "exec", new RedisStats.Command("exec", 3400, 263456),
                "hset", new RedisStats.Command("hset", 48000, 96000), // not called in between: left out
                "info", new RedisStats.Command("info", 8, 800),
                "evalsha", new RedisStats.Command("evalsha", 10, 512)), 2.0); // first called in between: all of it

        assertThat(after.since(before)).containsExactly(
                new RedisStats.Command("exec", 1000, 80000),
                new RedisStats.Command("evalsha", 10, 512),
                new RedisStats.Command("info", 1, 100));
        assertThat(after.since(after)).isEmpty();
    }
}
