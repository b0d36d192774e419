package io.segflow.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EngineOptionsTest {

    private static EngineOptions parse(String... args) {
        return EngineOptions.parse(args);
    }

    @Test
    void noOptionsRunAllPhasesAgainstTheLocalStackWithTheDocumentedDefaults() {
        String home = System.getenv().getOrDefault("SEGFLOW_HOME", ".segflow");

        EngineOptions options = parse();

        assertThat(options.phase()).isEqualTo("all");
        assertThat(options.bootstrap()).isEqualTo("127.0.0.1:9092");
        assertThat(options.redis()).isEqualTo("redis://127.0.0.1:6379");
        assertThat(options.pid()).isNull();
        assertThat(options.pidFile()).isEqualTo(Path.of(home, "pids", "segment-function.pid"));
        assertThat(options.kafkaPidFile()).isEqualTo(Path.of(home, "pids", "kafka.pid"));
        assertThat(options.kafkaLibs()).isEqualTo(home + "/kafka/libs");
        assertThat(options.events()).isEqualTo(200_000);
        assertThat(options.users()).isEqualTo(20_000);
        assertThat(options.rate()).isEqualTo(5_000);
        assertThat(options.seconds()).isEqualTo(30);
        assertThat(options.warmupSeconds()).isEqualTo(5);
        assertThat(options.backfillUsers()).isZero();
        assertThat(options.backfillTimeoutSeconds()).isEqualTo(180);
        assertThat(options.backfillMoves()).isTrue();
        assertThat(options.probeShare()).isEqualTo(0.2);
        assertThat(options.returningProbes()).isFalse();
        assertThat(options.producerTopic()).isEqualTo("segflow.bench.producer");
        assertThat(options.warm()).isFalse();
        assertThat(options.metricsUrl()).isEqualTo("http://127.0.0.1:8082/q/metrics");
        assertThat(options.apiUrl()).isNull();
        assertThat(options.apiKey()).isEqualTo("dev-admin-key");
        assertThat(options.ssePerSecond()).isEqualTo(50);
        assertThat(options.floorSeconds()).isEqualTo(20);
        assertThat(options.floorAlongside()).isZero();
    }

    @Test
    void somePhasesHaveDefaultsOfTheirOwn() {
        assertThat(parse("--phase", "replay").events()).isEqualTo(500_000);
        assertThat(parse("--phase", "identity").rate()).isEqualTo(2_000);
        assertThat(parse("--phase", "latency").warmupSeconds()).isEqualTo(60);
        assertThat(parse("--phase", "drain").events()).isEqualTo(200_000);
        assertThat(parse("--phase", "drain").rate()).isEqualTo(5_000);
        assertThat(parse("--phase", "drain").warmupSeconds()).isEqualTo(5);
    }

    @Test
    void givenValuesWinOverDefaults() {
        EngineOptions options = parse("--phase", "latency", "--rate", "2500", "--warmup", "10", "--pid", "4242",
                "--backfill-users", "100000", "--backfill-moves", "false", "--probe-share", "0.5", "--probe-users", "returning",
                "--floor-seconds", "0", "--floor-alongside", "1000", "--redis", "redis://127.0.0.1:26379");

        assertThat(options.phase()).isEqualTo("latency");
        assertThat(options.rate()).isEqualTo(2_500);
        assertThat(options.warmupSeconds()).isEqualTo(10);
        assertThat(options.pid()).isEqualTo(4242L);
        assertThat(options.backfillUsers()).isEqualTo(100_000);
        assertThat(options.backfillMoves()).isFalse();
        assertThat(options.probeShare()).isEqualTo(0.5);
        assertThat(options.returningProbes()).isTrue();
        assertThat(options.floorSeconds()).isZero();
        assertThat(options.floorAlongside()).isEqualTo(1_000);
        assertThat(options.redis()).isEqualTo("redis://127.0.0.1:26379");
    }

    @Test
    void anUnknownOptionIsRefused() {
        assertThatThrownBy(() -> parse("--phase", "latency", "--rates", "2500"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--rates");
    }

    @Test
    void anOptionWithoutItsValueIsRefused() {
        assertThatThrownBy(() -> parse("--phase", "latency", "--rate"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--rate");
    }

    @Test
    void anUnknownPhaseIsRefused() {
        assertThatThrownBy(() -> parse("--phase", "latncy"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--phase");
    }

    @Test
    void probesAreOfNewOrReturningUsersAndOnlyNewOnesArePushedOverSse() {
        assertThatThrownBy(() -> parse("--probe-users", "old"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--probe-users");
        assertThatThrownBy(() -> parse("--probe-users", "returning", "--api-url", "http://127.0.0.1:8080"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--api-url");
        assertThat(parse("--probe-users", "new", "--api-url", "http://127.0.0.1:8080").apiUrl()).isEqualTo("http://127.0.0.1:8080");
    }

    @Test
    void countsAndRatesMustBePositiveAndTheProbeShareAFraction() {
        for (String[] args : new String[][] {
                {"--events", "0"}, {"--users", "0"}, {"--rate", "0"}, {"--seconds", "0"}, {"--sse-per-second", "0"},
                {"--probe-share", "-0.1"}, {"--probe-share", "1.5"}, {"--floor-seconds", "-1"}, {"--floor-alongside", "-1"}}) {
            assertThatThrownBy(() -> EngineOptions.parse(args)).as(String.join(" ", args)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(parse("--probe-share", "0").probeShare()).isZero();
        assertThat(parse("--probe-share", "1").probeShare()).isEqualTo(1);
    }

    @Test
    void aNumberThatIsNotOneIsRefused() {
        // NumberFormatException is an IllegalArgumentException: refused like the rest, before anything runs
        assertThatThrownBy(() -> parse("--rate", "5k")).isInstanceOf(IllegalArgumentException.class);
    }
}
