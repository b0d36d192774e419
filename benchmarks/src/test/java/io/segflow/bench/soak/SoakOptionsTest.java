package io.segflow.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SoakOptionsTest {

    private static SoakOptions parse(String... args) {
        return SoakOptions.parse(args);
    }

    @Test
    void byDefaultEachFunctionIsRestartedOnceInTurnAcrossHalfAnHourAtFourHundredEventsASecond() {
        SoakOptions options = parse();

        assertThat(options.minutes()).isEqualTo(30);
        assertThat(options.seconds()).isEqualTo(1_800);
        assertThat(options.rate()).isEqualTo(400);
        assertThat(options.sampleSeconds()).isEqualTo(30);
        assertThat(options.browserShare()).isEqualTo(0.3);
        assertThat(options.backfillAt()).isEqualTo(0.5);
        assertThat(options.restarts()).containsExactly(
                new SoakOptions.Restart("ingest", 0.2),
                new SoakOptions.Restart("segment", 0.4),
                new SoakOptions.Restart("trigger", 0.6),
                new SoakOptions.Restart("api", 0.8));
    }

    @Test
    void functionsAreReachedOnTheLoopbackAtThePortsOfTheEnvironment() {
        String segmentPort = System.getenv().getOrDefault("SEGFLOW_SEGMENT_PORT", "8082");
        String redisPort = System.getenv().getOrDefault("SEGFLOW_REDIS_PORT", "6379");

        SoakOptions options = parse();

        assertThat(options.functionUrl("segment")).isEqualTo("http://127.0.0.1:" + segmentPort);
        assertThat(options.redis()).isEqualTo("redis://127.0.0.1:" + redisPort);
    }

    @Test
    void theSamplesGoIntoTheHomeUnlessACsvIsGiven() {
        SoakOptions options = parse("--home", "/tmp/soak-home");

        assertThat(options.home()).isEqualTo(Path.of("/tmp/soak-home"));
        assertThat(options.csv()).isEqualTo(Path.of("/tmp/soak-home/soak-samples.csv"));
        assertThat(parse("--home", "/tmp/soak-home", "--csv", "/tmp/elsewhere.csv").csv()).isEqualTo(Path.of("/tmp/elsewhere.csv"));
    }

    @Test
    void restartsAreFunctionAtFractionItemsSpacesAllowed() {
        assertThat(parse("--restarts", "segment@0.5, api@0.9").restarts()).containsExactly(
                new SoakOptions.Restart("segment", 0.5),
                new SoakOptions.Restart("api", 0.9));
    }

    @Test
    void noneOrNothingMeansNoRestarts() {
        assertThat(parse("--restarts", "none").restarts()).isEmpty();
        assertThat(parse("--restarts", "").restarts()).isEmpty();
    }

    @Test
    void aRestartOfAnUnknownFunctionOrWithoutItsFractionIsRefused() {
        assertThatThrownBy(() -> parse("--restarts", "kafka@0.5"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kafka@0.5");
        assertThatThrownBy(() -> parse("--restarts", "segment"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--restarts");
        assertThatThrownBy(() -> parse("--restarts", "segment@0.2@0.4"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRestartOutsideTheRunIsRefused() {
        // scheduled at or after the end, it would never happen and the report would not say so
        for (String item : new String[] {"segment@1.5", "segment@1", "segment@0", "segment@-0.2", "segment@NaN"}) {
            assertThatThrownBy(() -> parse("--restarts", item))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(item);
        }
    }

    @Test
    void anUnknownOptionOrOneWithoutItsValueIsRefused() {
        assertThatThrownBy(() -> parse("--minute", "5")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--minute");
        assertThatThrownBy(() -> parse("--minutes")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--minutes");
    }

    @Test
    void outOfRangeValuesAreRefused() {
        for (String[] args : new String[][] {
                {"--minutes", "0"}, {"--rate", "9"}, {"--sample", "0"}, {"--shop-users", "0"}, {"--browsers", "0"},
                {"--browser-share", "-0.1"}, {"--browser-share", "1.1"}}) {
            assertThatThrownBy(() -> SoakOptions.parse(args)).as(String.join(" ", args)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(parse("--rate", "10", "--minutes", "0.5").seconds()).isEqualTo(30);
    }
}
