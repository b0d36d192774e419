package io.segflow.bench.soak;

import io.segflow.bench.Flags;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link Soak}'s command line: {@code --name value} pairs, each defaulted; ports and the state directory default to the
 * environment {@code infra/local/up} reads ({@code SEGFLOW_HOME}, {@code SEGFLOW_*_PORT}, the keys), so that the tool
 * talks to the stack that was started with the same environment. An unknown name is refused.
 */
record SoakOptions(
        double minutes,
        int rate,
        int sampleSeconds,
        int gcEverySeconds,
        int shopUsers,
        double shopJoinPerSecond,
        int browsers,
        double browserJoinPerSecond,
        double browserShare,
        int readsPerSecond,
        int streams,
        double backfillAt,
        List<Restart> restarts,
        String ingestUrl,
        String apiUrl,
        Map<String, Integer> ports,
        String bootstrap,
        String redis,
        String writeKey,
        String adminKey,
        Path home,
        Path repo,
        Path csv) {

    /** Kill -9 {@code function} at {@code at} (a fraction of the run) and start it again. */
    record Restart(String function, double at) {
    }

    static final List<String> FUNCTIONS = List.of("ingest", "segment", "trigger", "api");

    private static final Set<String> NAMES = Set.of("minutes", "rate", "sample", "gc-every", "shop-users", "shop-join",
            "browsers", "browser-join", "browser-share", "reads", "streams", "backfill-at", "restarts", "home", "repo", "csv");

    static SoakOptions parse(String[] args) {
        Map<String, String> given = Flags.parse(args, NAMES);
        Map<String, String> env = System.getenv();
        Map<String, Integer> ports = new HashMap<>();
        ports.put("api", Integer.parseInt(env.getOrDefault("SEGFLOW_API_PORT", "8080")));
        ports.put("ingest", Integer.parseInt(env.getOrDefault("SEGFLOW_INGEST_PORT", "8081")));
        ports.put("segment", Integer.parseInt(env.getOrDefault("SEGFLOW_SEGMENT_PORT", "8082")));
        ports.put("trigger", Integer.parseInt(env.getOrDefault("SEGFLOW_TRIGGER_PORT", "8083")));
        int kafka = Integer.parseInt(env.getOrDefault("SEGFLOW_KAFKA_PORT", "9092"));
        int redis = Integer.parseInt(env.getOrDefault("SEGFLOW_REDIS_PORT", "6379"));
        Path repo = Path.of(given.getOrDefault("repo", ".")).toAbsolutePath().normalize();
        Path home = Path.of(given.getOrDefault("home", env.getOrDefault("SEGFLOW_HOME", repo.resolve(".segflow").toString())));
        List<Restart> restarts = new ArrayList<>();
        String plan = given.getOrDefault("restarts", "ingest@0.2,segment@0.4,trigger@0.6,api@0.8");
        if (!plan.isBlank() && !plan.equals("none")) {
            for (String item : plan.split(",")) {
                String[] parts = item.trim().split("@");
                if (parts.length != 2 || !FUNCTIONS.contains(parts[0])) {
                    throw new IllegalArgumentException("--restarts: function@fraction items of " + FUNCTIONS + ", got " + item);
                }
                double at = Double.parseDouble(parts[1]);
                if (!(at > 0 && at < 1)) { // a restart at or past the end of the run would silently never happen
                    throw new IllegalArgumentException("--restarts: the fraction of the run must lie between 0 and 1, got " + item);
                }
                restarts.add(new Restart(parts[0], at));
            }
        }
        SoakOptions options = new SoakOptions(
                Double.parseDouble(given.getOrDefault("minutes", "30")),
                Integer.parseInt(given.getOrDefault("rate", "400")),
                Integer.parseInt(given.getOrDefault("sample", "30")),
                Integer.parseInt(given.getOrDefault("gc-every", "300")),
                Integer.parseInt(given.getOrDefault("shop-users", "4000")),
                Double.parseDouble(given.getOrDefault("shop-join", "2")),
                Integer.parseInt(given.getOrDefault("browsers", "1500")),
                Double.parseDouble(given.getOrDefault("browser-join", "8")),
                Double.parseDouble(given.getOrDefault("browser-share", "0.3")),
                Integer.parseInt(given.getOrDefault("reads", "10")),
                Integer.parseInt(given.getOrDefault("streams", "10")),
                Double.parseDouble(given.getOrDefault("backfill-at", "0.5")),
                List.copyOf(restarts),
                "http://127.0.0.1:" + ports.get("ingest"),
                "http://127.0.0.1:" + ports.get("api"),
                Map.copyOf(ports),
                "127.0.0.1:" + kafka,
                "redis://127.0.0.1:" + redis,
                env.getOrDefault("SEGFLOW_WRITE_KEY", "dev-write-key"),
                env.getOrDefault("SEGFLOW_ADMIN_KEY", "dev-admin-key"),
                home,
                repo,
                Path.of(given.getOrDefault("csv", home.resolve("soak-samples.csv").toString())));
        if (options.minutes <= 0 || options.rate < 10 || options.sampleSeconds < 1 || options.shopUsers < 1 || options.browsers < 1
                || options.browserShare < 0 || options.browserShare > 1) {
            throw new IllegalArgumentException("--minutes > 0, --rate >= 10, --sample >= 1, users >= 1, --browser-share in [0, 1]");
        }
        return options;
    }

    double seconds() {
        return minutes * 60;
    }

    String functionUrl(String function) {
        return "http://127.0.0.1:" + ports.get(function);
    }
}
