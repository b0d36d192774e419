package io.segflow.ingest;

import static io.segflow.ingest.IngestTestSupport.valuesOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.Topics;
import io.segflow.testkit.KafkaAndRedisResource;
import io.segflow.testkit.TopicReader;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The unchanged official Segment SDK ({@code @segment/analytics-node}, src/test/node) pointed at ingest delivers
 * events that reach Kafka. Skipped when node or npm is not installed or the package cannot be installed.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class SegmentSdkTest {
    private static final Path SOURCES = Path.of("src/test/node");
    private static final Path WORK = Path.of("target/node-sdk-test");

    @TestHTTPResource("/")
    URL ingest;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void analyticsNodeDeliversEventsThatReachKafka() throws Exception {
        assumeTrue(runs(List.of("node", "--version"), Path.of(".")), "node is not installed");
        assumeTrue(runs(List.of("npm", "--version"), Path.of(".")), "npm is not installed");
        Files.createDirectories(WORK);
        for (String file : List.of("package.json", "send-events.mjs")) {
            Files.copy(SOURCES.resolve(file), WORK.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(WORK.resolve("node_modules/@segment/analytics-node"))) {
            assumeTrue(runs(List.of("npm", "install", "--no-audit", "--no-fund", "--loglevel=error"), WORK),
                    "npm could not install @segment/analytics-node");
        }
        String user = "sdk-user-" + UUID.randomUUID();
        String base = ingest.toString().replaceAll("/$", "");

        Process sdk = new ProcessBuilder("node", "send-events.mjs", base, "dev-write-key", user)
                // Never to this JVM's own stdout: surefire reads it as its channel and fails the fork.
                .directory(WORK.toFile()).redirectErrorStream(true).redirectOutput(WORK.resolve("sdk.log").toFile()).start();
        assertThat(sdk.waitFor(60, TimeUnit.SECONDS)).as("the SDK finished").isTrue();
        assertThat(sdk.exitValue()).as("the SDK reported every event delivered").isZero();

        try (TopicReader events = new TopicReader(bootstrapServers, Topics.EVENTS)) {
            List<JsonNode> written = valuesOf(events, user, 2);
            assertThat(written).extracting(e -> e.get("type").asText()).containsExactlyInAnyOrder("identify", "track");
            JsonNode track = written.stream().filter(e -> e.get("type").asText().equals("track")).findFirst().orElseThrow();
            assertThat(track.get("event").asText()).isEqualTo("sdk_event");
            assertThat(track.get("source").asText()).isEqualTo("dev");
            assertThat(track.get("messageId").asText()).isNotBlank();
            assertThat(track.get("context").get("library").get("name").asText()).isEqualTo("@segment/analytics-node");
            assertThat(track.hasNonNull("sentAt")).isTrue();
        }
    }

    private static boolean runs(List<String> command, Path directory) throws InterruptedException {
        try {
            Process process = new ProcessBuilder(command).directory(directory.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return process.waitFor(180, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException notInstalled) {
            return false;
        }
    }
}
