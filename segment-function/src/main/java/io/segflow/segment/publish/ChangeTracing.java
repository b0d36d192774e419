package io.segflow.segment.publish;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * One event's trace through segment-function: ingest writes the W3C {@code traceparent} into each event record;
 * processing the event is a span under it, and the change records the event causes carry that span's context, so
 * trigger-function and the api's push continue the same trace (one trace per event in Jaeger, ingest to browser).
 * Time-driven changes get a trace of their own, linked to the trace of the event that set the wake when it is known. Batches are consumed as plain records, so this is done
 * here rather than by the messaging extension, which traces whole records only.
 */
@ApplicationScoped
public class ChangeTracing {
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
    private static final TextMapSetter<Headers> HEADER_SETTER =
            (headers, key, value) -> headers.add(key, value.getBytes(StandardCharsets.UTF_8));

    private final Tracer tracer;

    ChangeTracing(OpenTelemetry telemetry) {
        this.tracer = telemetry.getTracer("io.segflow.segment");
    }

    /**
     * The span of processing one consumed event, a child of the trace its record carries. A record without trace
     * context (a producer other than ingest, or ingest with tracing off) starts no trace: a root span per event
     * would cost more than the rest of its processing.
     */
    public Span startProcessing(ConsumerRecord<?, ?> record) {
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

    /** The span of one wave of due wakes: time (or a backfill), not an event, caused its changes. */
    public Span startTimeFlips(int users) {
        return tracer.spanBuilder("segflow time flips").setNoParent().setAttribute("segflow.users", users).startSpan();
    }

    /** The span of one user's time flip: a trace of its own, linked to the trace of what set the wake. */
    public Span startTimeFlip(SpanContext scheduler) {
        return tracer.spanBuilder("segflow time flip").setNoParent().addLink(scheduler).setAttribute("segflow.users", 1).startSpan();
    }

    /** Writes the span's context into a change record's headers ({@code traceparent}, {@code tracestate}). */
    public void inject(Span span, Headers headers) {
        W3C.inject(Context.root().with(span), headers, HEADER_SETTER);
    }
}
