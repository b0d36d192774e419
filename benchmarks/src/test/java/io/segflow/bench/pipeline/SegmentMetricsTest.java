package io.segflow.bench.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SegmentMetricsTest {
    // As segment-function's /q/metrics answers (abridged): Micrometer's Prometheus text, labels sorted by name. The
    // values are exact in binary, so that their sums can be compared exactly.
    private static final String EXPOSITION = """
            # HELP segflow_round_stage_seconds Where a round's time goes, by stage
            # TYPE segflow_round_stage_seconds summary
            segflow_round_stage_seconds_count{stage="apply"} 120.0
            segflow_round_stage_seconds_sum{stage="apply"} 1.5
            segflow_round_stage_seconds_count{stage="flush"} 120.0
            segflow_round_stage_seconds_sum{stage="flush"} 0.75
            # HELP segflow_round_stage_seconds_max Where a round's time goes, by stage
            # TYPE segflow_round_stage_seconds_max gauge
            segflow_round_stage_seconds_max{stage="apply"} 0.05
            # TYPE segflow_history_replayed_events_total counter
            segflow_history_replayed_events_total 500000.0
            segflow_identity_merges_total{step="merged"} 3.0
            segflow_identity_merges_total{step="refused"} 1.0
            # TYPE jvm_gc_pause_seconds summary
            jvm_gc_pause_seconds_count{action="end of minor GC",cause="G1 Evacuation Pause",gc="G1 Young Generation"} 12.0
            jvm_gc_pause_seconds_sum{action="end of minor GC",cause="G1 Evacuation Pause",gc="G1 Young Generation"} 0.25
            jvm_gc_pause_seconds_count{action="end of major GC",cause="System.gc()",gc="G1 Old Generation"} 1.0
            jvm_gc_pause_seconds_sum{action="end of major GC",cause="System.gc()",gc="G1 Old Generation"} 0.125
            jvm_gc_memory_allocated_bytes_total 1.23456789E9
            jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1000.0
            http_server_requests_seconds_count{method="GET",outcome="SUCCESS",status="200",uri="/q/metrics"} 5.0
            """;

    @Test
    void figuresAreSummedOverTheirLabelsAndByStageWhereTheyHaveOne() {
        Map<String, Double> figures = SegmentMetrics.figures(EXPOSITION);

        assertThat(figures).containsOnly(
                entry("segflow_round_stage_seconds_count", 240.0),
                entry("segflow_round_stage_seconds_count{stage=\"apply\"}", 120.0),
                entry("segflow_round_stage_seconds_count{stage=\"flush\"}", 120.0),
                entry("segflow_round_stage_seconds_sum", 2.25),
                entry("segflow_round_stage_seconds_sum{stage=\"apply\"}", 1.5),
                entry("segflow_round_stage_seconds_sum{stage=\"flush\"}", 0.75),
                entry("segflow_round_stage_seconds_max", 0.05),
                entry("segflow_round_stage_seconds_max{stage=\"apply\"}", 0.05),
                entry("segflow_history_replayed_events_total", 500000.0),
                entry("segflow_identity_merges_total", 4.0),
                // label values with spaces and parentheses do not cut the name or the value
                entry("jvm_gc_pause_seconds_count", 13.0),
                entry("jvm_gc_pause_seconds_sum", 0.375),
                entry("jvm_gc_memory_allocated_bytes_total", 1.23456789E9));
    }

    @Test
    void aStageIsFoundWhereverItStandsAmongTheLabels() {
        // a tag that sorts before "stage" (an instance, a partition) must not hide the stages
        Map<String, Double> figures = SegmentMetrics.figures("""
                segflow_round_stage_seconds_count{instance="a",stage="flush"} 3.0
                segflow_round_stage_seconds_count{instance="b",stage="flush"} 4.0
                segflow_round_stage_seconds_count{stage="apply",zone="z"} 5.0
                segflow_round_stage_seconds_count{offstage="x"} 1.0
                """);

        assertThat(figures).containsOnly(
                entry("segflow_round_stage_seconds_count", 13.0),
                entry("segflow_round_stage_seconds_count{stage=\"flush\"}", 7.0),
                entry("segflow_round_stage_seconds_count{stage=\"apply\"}", 5.0));
    }

    @Test
    void anEmptyExpositionHasNoFigures() {
        assertThat(SegmentMetrics.figures("")).isEmpty();
        assertThat(SegmentMetrics.figures("# HELP segflow_x nothing yet\n")).isEmpty();
    }

    @Test
    void anEndpointThatDoesNotAnswerGivesNoFigures() {
        // Port 1 on the loopback: refused at once.
        assertThat(new SegmentMetrics("http://127.0.0.1:1/q/metrics").read()).isEmpty();
    }
}
