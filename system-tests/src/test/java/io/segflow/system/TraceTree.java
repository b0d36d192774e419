package io.segflow.system;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The spans of one trace, with their parent links resolved: who descends from whom. */
final class TraceTree {
    private final List<ReceivedSpan> spans;
    private final Map<String, ReceivedSpan> bySpanId;

    TraceTree(List<ReceivedSpan> spans) {
        this.spans = List.copyOf(spans);
        this.bySpanId = spans.stream().collect(Collectors.toMap(ReceivedSpan::spanId, Function.identity(), (a, b) -> a));
    }

    List<ReceivedSpan> spans() {
        return spans;
    }

    List<ReceivedSpan> of(String service) {
        return spans.stream().filter(span -> span.service().equals(service)).toList();
    }

    /** True if {@code ancestor} is on the chain of parents of {@code span} (all of it received). */
    boolean descendsFrom(ReceivedSpan span, ReceivedSpan ancestor) {
        ReceivedSpan current = span;
        for (int depth = 0; depth < spans.size() && !current.isRoot(); depth++) {
            ReceivedSpan parent = bySpanId.get(current.parentSpanId());
            if (parent == null) {
                return false;
            }
            if (parent.spanId().equals(ancestor.spanId())) {
                return true;
            }
            current = parent;
        }
        return false;
    }

    @Override
    public String toString() {
        return spans.stream().map(ReceivedSpan::toString).collect(Collectors.joining("\n  ", "\n  ", ""));
    }
}
