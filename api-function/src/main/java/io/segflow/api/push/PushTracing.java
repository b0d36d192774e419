package io.segflow.api.push;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The api's part of an event's trace: pushing a change to the connections open here is a span under the change's
 * trace context (segment-function's span). Changes of users without a connection here, most of them, get none.
 * The messaging extension's own tracing is off for this channel (it would trace every record, and it traces whole
 * records only, not the records of a consumed batch), so it is done here.
 */
@ApplicationScoped
public class PushTracing {
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final String TRACEPARENT = "traceparent";
    private static final TextMapGetter<Headers> HEADER_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            List<String> keys = new ArrayList<>();
            headers.forEach(header -> keys.add(header.key()));
            return keys;
        }

        @Override
        public String get(Headers headers, String key) {
            Header header = headers == null ? null : headers.lastHeader(key);
            return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        }
    };

    private final Tracer tracer;

    PushTracing(OpenTelemetry telemetry) {
        this.tracer = telemetry.getTracer("io.segflow.api");
    }

    /** The span of pushing one change, a child of the trace its record carries; none for a record without one. */
    public Span startPush(ConsumerRecord<?, ?> change) {
        if (change.headers().lastHeader(TRACEPARENT) == null) {
            return Span.getInvalid();
        }
        Context parent = W3C.extract(Context.root(), change.headers(), HEADER_GETTER);
        return tracer.spanBuilder(change.topic() + " process").setParent(parent).setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.destination.name", change.topic())
                .setAttribute("messaging.destination.partition.id", String.valueOf(change.partition()))
                .setAttribute("messaging.kafka.offset", change.offset())
                .startSpan();
    }
}
