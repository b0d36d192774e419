package io.segflow.core.trace;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * An event's trace across segflow's Kafka records: each record carries its W3C trace context in its headers
 * ({@code traceparent}, {@code tracestate}), and a function consuming it starts its span under that context. The
 * functions consume batches as plain records, which the messaging extension does not trace per record, so they do it
 * with these helpers.
 */
public final class RecordTraces {
    public static final String TRACEPARENT = "traceparent";
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
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
    private static final TextMapSetter<Headers> HEADER_SETTER =
            (headers, key, value) -> headers.add(key, value.getBytes(StandardCharsets.UTF_8));

    private RecordTraces() {
    }

    /**
     * The span of processing one consumed record ({@code <topic> process}), a child of the trace the record carries.
     * A record without trace context starts none: a root span per record would cost more than its processing.
     */
    public static Span startProcessing(Tracer tracer, ConsumerRecord<?, ?> record) {
        if (record.headers().lastHeader(TRACEPARENT) == null) {
            return Span.getInvalid();
        }
        Context parent = W3C.extract(Context.root(), record.headers(), HEADER_GETTER);
        return tracer.spanBuilder(record.topic() + " process").setParent(parent).setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.destination.name", record.topic())
                .setAttribute("messaging.destination.partition.id", String.valueOf(record.partition()))
                .setAttribute("messaging.kafka.offset", record.offset())
                .startSpan();
    }

    /** Writes the span's context into a record's headers, for its consumers to continue the trace. */
    public static void inject(Span span, Headers headers) {
        if (span.getSpanContext().isValid()) {
            W3C.inject(Context.root().with(span), headers, HEADER_SETTER);
        }
    }

    /** The record's own {@code traceparent}, or null. */
    public static String traceparent(ConsumerRecord<?, ?> record) {
        Header header = record.headers().lastHeader(TRACEPARENT);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
