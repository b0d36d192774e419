package io.segflow.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The KafkaTopic resources against docs/contracts.md, and the durability every topic needs. */
class KafkaTopicsTest {
    private static final long NINETY_DAYS_MS = 90L * 24 * 3600 * 1000;

    @Test
    void theTopicsAreExactlyThoseOfTheContract() {
        Map<String, Map<String, String>> contract = contractTopics();
        assertThat(topics().keySet()).containsExactlyInAnyOrderElementsOf(contract.keySet());
        // A partitions column in the contract, when there is one, must agree with the resources.
        contract.forEach((topic, columns) -> {
            if (columns.containsKey("partitions")) {
                assertThat(topics().get(topic).path("spec").path("partitions").asText()).as(topic)
                        .isEqualTo(columns.get("partitions"));
            }
        });
    }

    @Test
    void everyTopicHasThreeReplicasAndTwoInSync() {
        topics().forEach((name, topic) -> {
            assertThat(topic.path("metadata").path("labels").path("strimzi.io/cluster").asText()).as(name).isEqualTo("segflow");
            assertThat(topic.path("spec").path("replicas").asInt()).as(name + " replicas").isEqualTo(3);
            assertThat(topic.path("spec").path("config").path("min.insync.replicas").asInt()).as(name + " min.insync.replicas")
                    .isEqualTo(2);
        });
    }

    @Test
    void consumersScaleToAtMostThePartitionsOfTheirTopic() {
        for (Repo.Doc scaled : Repo.baseResources().stream().filter(d -> d.kind().equals("ScaledObject")).toList()) {
            JsonNode trigger = scaled.node().path("spec").path("triggers").get(0);
            assertThat(trigger.path("type").asText()).as(scaled.toString()).isEqualTo("kafka");
            String topic = trigger.path("metadata").path("topic").asText();
            assertThat(topics()).as(scaled + " topic").containsKey(topic);
            assertThat(scaled.node().path("spec").path("maxReplicaCount").asInt()).as(scaled + " maxReplicaCount")
                    .isPositive()
                    .isLessThanOrEqualTo(topics().get(topic).path("spec").path("partitions").asInt());
        }
    }

    @Test
    void prodKeepsEventsNinetyDays() {
        JsonNode patch = Repo.docs(Repo.K8S.resolve("overlays/prod/events-retention.yaml")).get(0).node();
        assertThat(patch.path("metadata").path("name").asText()).isEqualTo("segflow.events");
        assertThat(patch.path("spec").path("config").path("retention.ms").asLong()).isEqualTo(NINETY_DAYS_MS);
    }

    @Test
    void noOverlayChangesAPartitionCount() {
        for (Repo.Doc doc : Repo.docs()) {
            if (doc.file().startsWith(Repo.K8S.resolve("overlays"))) {
                assertThat(doc.node().path("spec").has("partitions")).as(doc.toString()).isFalse();
                doc.node().path("patches").forEach(p -> assertThat(p.path("patch").asText()).as(doc.toString())
                        .doesNotContain("/spec/partitions"));
            }
        }
    }

    static Map<String, JsonNode> topics() {
        Map<String, JsonNode> topics = new LinkedHashMap<>();
        Repo.baseResources().stream().filter(d -> d.kind().equals("KafkaTopic")).forEach(d -> topics.put(d.name(), d.node()));
        return topics;
    }

    /** The table under "## Kafka topics" in docs/contracts.md: topic name → column → cell. */
    static Map<String, Map<String, String>> contractTopics() {
        String doc = Repo.read(Repo.ROOT.resolve("docs/contracts.md"));
        String section = doc.substring(doc.indexOf("## Kafka topics"));
        List<String> header = new ArrayList<>();
        Map<String, Map<String, String>> topics = new LinkedHashMap<>();
        for (String line : section.lines().skip(1).toList()) {
            if (line.startsWith("#")) {
                break;
            }
            if (!line.startsWith("|") || line.startsWith("| ---") || line.startsWith("|---")) {
                continue;
            }
            List<String> cells = List.of(line.substring(1, line.length() - 1).split("\\|")).stream().map(String::strip).toList();
            if (header.isEmpty()) {
                header.addAll(cells.stream().map(String::toLowerCase).toList());
                continue;
            }
            Matcher name = Pattern.compile("`([^`]+)`").matcher(cells.get(0));
            assertThat(name.find()).as("topic cell " + cells.get(0)).isTrue();
            Map<String, String> columns = new LinkedHashMap<>();
            for (int i = 1; i < cells.size() && i < header.size(); i++) {
                columns.put(header.get(i), cells.get(i).replace("`", ""));
            }
            topics.put(name.group(1), columns);
        }
        assertThat(topics).as("topics in docs/contracts.md").isNotEmpty();
        return topics;
    }
}
