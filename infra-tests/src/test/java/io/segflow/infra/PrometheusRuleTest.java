package io.segflow.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** The PrometheusRule and the rules file promtool tests are the same rules; every alert has a runbook. */
class PrometheusRuleTest {

    @Test
    void thePrometheusRuleHoldsExactlyTheRulesFile() {
        JsonNode file = Repo.docs(Repo.RULES).get(0).node().path("groups");
        JsonNode resource = Repo.baseResource("PrometheusRule", "segflow").node().path("spec").path("groups");
        assertThat(resource).isEqualTo(file);
    }

    @Test
    void everyAlertHasASeverityAndARunbookInTheOperationsGuide() {
        String guide = Repo.read(Repo.ROOT.resolve("docs/operations.md")).toLowerCase();
        for (JsonNode rule : MetricNamesTest.rules()) {
            if (rule.has("alert")) {
                String alert = rule.path("alert").asText();
                assertThat(rule.path("labels").path("severity").asText()).as(alert).isIn("page", "ticket");
                String runbook = rule.path("annotations").path("runbook").asText();
                assertThat(runbook).as(alert).startsWith("docs/operations.md#");
                String anchor = runbook.substring(runbook.indexOf('#') + 1);
                assertThat(guide).as(alert + " runbook heading").contains("#### " + anchor.replace('-', ' ').replaceFirst("^slo ", "slo: ")
                        .replaceFirst("^alert ", "alert: "));
            }
        }
    }

    @Test
    void theConsumerLagTheAlertsReadIsScrapedFromStrimzisKafkaExporter() {
        Repo.Doc kafka = Repo.baseResources().stream().filter(d -> d.kind().equals("Kafka")).findFirst().orElseThrow();
        assertThat(kafka.node().path("spec").has("kafkaExporter")).as("the Kafka Exporter is deployed").isTrue();
        // Strimzi names its exporter <cluster>-kafka-exporter and serves it on the port tcp-prometheus.
        String exporter = kafka.name() + "-kafka-exporter";

        assertThat(Repo.baseResources()).filteredOn(d -> d.kind().equals("PodMonitor"))
                .as("a PodMonitor on %s", exporter)
                .anySatisfy(monitor -> {
                    assertThat(monitor.node().at("/spec/selector/matchLabels/strimzi.io~1name").asText()).isEqualTo(exporter);
                    assertThat(monitor.node().at("/spec/podMetricsEndpoints/0/port").asText()).isEqualTo("tcp-prometheus");
                });
    }
}
