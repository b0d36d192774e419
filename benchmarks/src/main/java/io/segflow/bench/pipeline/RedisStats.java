package io.segflow.bench.pipeline;

import io.segflow.bench.engine.Resp;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Redis' own counters ({@code INFO commandstats} and {@code INFO cpu}; its AOF rewrites apart) at one moment. Taken
 * around a measurement and subtracted, they give Redis' share of the work without resetting anyone's statistics.
 */
record RedisStats(Map<String, Command> commands, double cpuSeconds) {

    record Command(String name, long calls, long usec) {
    }

    static RedisStats take(Resp redis) throws IOException {
        Map<String, Command> commands = new HashMap<>();
        for (String line : ((String) redis.call("INFO", "commandstats")).split("\r\n")) {
            // cmdstat_evalsha:calls=10,usec=512,usec_per_call=51.20,rejected_calls=0,failed_calls=0
            if (line.startsWith("cmdstat_")) {
                String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                Map<String, String> fields = fields(line.substring(line.indexOf(':') + 1));
                commands.put(name, new Command(name, Long.parseLong(fields.get("calls")), Long.parseLong(fields.get("usec"))));
            }
        }
        return new RedisStats(commands, cpuSeconds(redis));
    }

    /** The CPU Redis has used so far, user and system ({@code INFO cpu}; a rewrite's child is not counted). */
    static double cpuSeconds(Resp redis) throws IOException {
        Map<String, String> cpu = info(redis, "cpu");
        return Double.parseDouble(cpu.getOrDefault("used_cpu_user", "0")) + Double.parseDouble(cpu.getOrDefault("used_cpu_sys", "0"));
    }

    /** What happened since {@code before}, by command, most time first. */
    List<Command> since(RedisStats before) {
        List<Command> delta = new ArrayList<>();
        commands.forEach((name, now) -> {
            Command then = before.commands.getOrDefault(name, new Command(name, 0, 0));
            if (now.calls > then.calls) {
                delta.add(new Command(name, now.calls - then.calls, now.usec - then.usec));
            }
        });
        delta.sort((a, b) -> Long.compare(b.usec, a.usec));
        return delta;
    }

    /** Redis's AOF rewrites started so far ({@code INFO persistence}: counted when one starts); none without AOF. */
    record AofRewrites(long started) {

        static AofRewrites take(Resp redis) throws IOException {
            return new AofRewrites(Long.parseLong(info(redis, "persistence").getOrDefault("aof_rewrites", "0")));
        }

        /** Rewrites that started since {@code before}. */
        long since(AofRewrites before) {
            return started - before.started;
        }
    }

    /** One {@code INFO} section's {@code name:value} lines. */
    private static Map<String, String> info(Resp redis, String section) throws IOException {
        Map<String, String> values = new HashMap<>();
        for (String line : ((String) redis.call("INFO", section)).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                values.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return values;
    }

    private static Map<String, String> fields(String csv) {
        Map<String, String> fields = new HashMap<>();
        for (String pair : csv.split(",")) {
            int eq = pair.indexOf('=');
            fields.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return fields;
    }
}
