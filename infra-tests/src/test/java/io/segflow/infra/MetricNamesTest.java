package io.segflow.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Every series a rule or a dashboard panel queries is one the functions (or the platform) really expose. */
class MetricNamesTest {

    @Test
    void theCodeExposesTheMetricsTheDocsName() {
        assertThat(ExposedMetrics.fromCode()).contains("segflow_events_dead_lettered_total", "segflow_engine_resets_total",
                "segflow_round_duration_seconds_count", "segflow_segment_changes_duplicates_total", "segflow_engine_cached_users");
    }

    @Test
    void rulesQueryOnlyExposedOrRecordedSeries() {
        assertThat(unknown(ruleExpressions())).isEmpty();
    }

    @Test
    void dashboardPanelsQueryOnlyExposedOrRecordedSeries() throws Exception {
        JsonNode dashboard = Repo.JSON.readTree(Repo.DASHBOARD.toFile());
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
            panel.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
        }
        assertThat(exprs).doesNotContain("");
        assertThat(unknown(exprs)).isEmpty();
    }

    /**
     * An open SSE stream or WebSocket is one request for as long as it stays open (minutes): in a latency figure it
     * would drown the reads, so the panels that show request durations leave the push endpoints out.
     */
    @Test
    void requestDurationPanelsLeaveOutThePushStreams() throws Exception {
        List<String> durations = new ArrayList<>();
        for (JsonNode panel : Repo.JSON.readTree(Repo.DASHBOARD.toFile()).path("panels")) {
            panel.path("targets").forEach(t -> {
                String expr = t.path("expr").asText();
                if (expr.contains("http_server_requests_seconds_sum") || expr.contains("http_server_requests_seconds_max")) {
                    durations.add(expr);
                }
            });
        }
        assertThat(durations).isNotEmpty()
                .allSatisfy(expr -> assertThat(expr).contains("uri!~\"/q/.*|.*/segments/(stream|ws)\""));
    }

    @Test
    void theEventLatencySloReadsAHistogramTheEngineRecords() {
        assertThat(ExposedMetrics.fromCode()).contains(
                "segflow_event_membership_latency_seconds_bucket", "segflow_event_membership_latency_seconds_count");
    }

    @Test
    void platformMetricsComeFromTheKafkaExporter() {
        assertThat(Repo.baseResource("Kafka", "segflow").node().path("spec").has("kafkaExporter")).isTrue();
    }

    @Test
    void readsPromQl() {
        assertThat(PromQl.metricNames("sum by (le) (rate(a_bucket{le=~\"1(\\\\.0)?\", x=\"y\"}[5m])) / on (pod) b:c:d > 14.4 * 0.001"))
                .containsExactlyInAnyOrder("a_bucket", "b:c:d");
    }

    private static Set<String> unknown(List<String> exprs) {
        Set<String> known = new TreeSet<>(ExposedMetrics.all());
        known.addAll(recorded());
        Set<String> unknown = new TreeSet<>();
        exprs.forEach(e -> unknown.addAll(PromQl.metricNames(e)));
        unknown.removeAll(known);
        return unknown;
    }

    static List<String> ruleExpressions() {
        List<String> exprs = new ArrayList<>();
        rules().forEach(r -> exprs.add(r.path("expr").asText()));
        return exprs;
    }

    static Set<String> recorded() {
        Set<String> names = new TreeSet<>();
        rules().stream().filter(r -> r.has("record")).forEach(r -> names.add(r.path("record").asText()));
        return names;
    }

    static List<JsonNode> rules() {
        List<JsonNode> rules = new ArrayList<>();
        Repo.docs(Repo.RULES).get(0).node().path("groups").forEach(g -> g.path("rules").forEach(rules::add));
        return rules;
    }
}
