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
}
