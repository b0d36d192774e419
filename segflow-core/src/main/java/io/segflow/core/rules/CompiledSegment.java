package io.segflow.core.rules;

/** An enabled segment with its condition compiled; what the engine evaluates. */
public record CompiledSegment(SegmentDefinition definition, CompiledCondition condition) {
    public String id() {
        return definition.id();
    }
}
