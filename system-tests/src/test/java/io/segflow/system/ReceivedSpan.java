package io.segflow.system;

import io.opentelemetry.proto.trace.v1.Span;
import java.util.HexFormat;
import java.util.List;

/** A span as a function exported it: ids in W3C hex, as they appear in a {@code traceparent}. */
record ReceivedSpan(String service, String name, Span.SpanKind kind, String traceId, String spanId, String parentSpanId,
                    List<String> linkedTraceIds) {
    private static final HexFormat HEX = HexFormat.of();

    static ReceivedSpan of(String service, Span span) {
        return new ReceivedSpan(service, span.getName(), span.getKind(),
                HEX.formatHex(span.getTraceId().toByteArray()),
                HEX.formatHex(span.getSpanId().toByteArray()),
                HEX.formatHex(span.getParentSpanId().toByteArray()),
                span.getLinksList().stream().map(link -> HEX.formatHex(link.getTraceId().toByteArray())).toList());
    }

    boolean isRoot() {
        return parentSpanId.isEmpty();
    }

    @Override
    public String toString() {
        return service + " '" + name + "' " + kind + " " + traceId + "/" + spanId + (isRoot() ? " (root)" : " <- " + parentSpanId);
    }
}
