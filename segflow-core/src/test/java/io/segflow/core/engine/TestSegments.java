package io.segflow.core.engine;

import io.segflow.core.rules.CompiledSegment;
import io.segflow.core.rules.RuleCompiler;
import io.segflow.core.rules.SegmentDefinition;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Enabled segments compiled from id → CEL condition, as the catalog would load them. */
final class TestSegments {

    private TestSegments() {
    }

    static List<CompiledSegment> compile(Map<String, String> conditions) {
        RuleCompiler compiler = new RuleCompiler();
        return conditions.entrySet().stream()
                .map(e -> new CompiledSegment(new SegmentDefinition(e.getKey(), e.getKey(), e.getValue(), true, Instant.EPOCH),
                        compiler.compile(e.getValue())))
                .toList();
    }
}
