package io.segflow.segment.publish;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.segflow.core.trace.RecordTraces;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;

/**
 * One event's trace through segment-function: ingest writes the W3C {@code traceparent} into each event record;
 * processing the event is a span under it, and the change records the event causes carry that span's context, so
 * trigger-function and the api's push continue the same trace (one trace per event in Jaeger, ingest to browser).
 * Time-driven changes get a trace of their own, linked to the trace of the event that set the wake when it is known.
 * Batches are consumed as plain records, so this is done here rather than by the messaging extension, which traces
 * whole records only.
 */
@ApplicationScoped
public class ChangeTracing {
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
        return RecordTraces.startProcessing(tracer, record);
    }

    /** The span of one wave of due wakes: time (or a backfill), not an event, caused its changes. */
    public Span startTimeFlips(int users) {
        return tracer.spanBuilder("segflow time flips").setNoParent().setAttribute("segflow.users", users).startSpan();
    }

    /** The span of one user's time flip: a trace of its own, linked to the trace of what set the wake. */
    public Span startTimeFlip(SpanContext scheduler) {
        return tracer.spanBuilder("segflow time flip").setNoParent().addLink(scheduler).setAttribute("segflow.users", 1).startSpan();
    }

    /**
     * Records one span, with an attribute, on a tracer provider of its own that exports nothing, and returns it; call
     * it at startup. On a JVM, the classes of a recording span load with the process's first one, and one of them is
     * a new subclass of {@code HashMap} (the SDK's attribute map): the JIT then throws away the compiled code of every
     * method that counted on {@code HashMap}'s methods having no other override, about 40 methods of the live path at
     * once (Kafka's producer and consumer, the round's reads and store), which run as cold code and compile again
     * while events wait. When events carry no sampled trace context, that first span is a backfill's or a wake's,
     * in the middle of a run; loading the classes now moves that to startup, before anything is compiled.
     */
    public static Span loadSpanClasses() {
        try (SdkTracerProvider provider = SdkTracerProvider.builder().build()) {
            Span span = provider.get("io.segflow.segment").spanBuilder("segflow startup").setNoParent()
                    .setAttribute("segflow.users", 0).startSpan();
            span.end();
            return span;
        }
    }

    /** Writes the span's context into a change record's headers ({@code traceparent}, {@code tracestate}). */
    public void inject(Span span, Headers headers) {
        RecordTraces.inject(span, headers);
    }
}
