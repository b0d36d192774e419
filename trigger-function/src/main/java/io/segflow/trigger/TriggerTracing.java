package io.segflow.trigger;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.segflow.core.trace.RecordTraces;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;

/**
 * trigger-function's part of an event's trace: turning a change record into a trigger record is a span under the
 * change's trace context (segment-function's span), and the trigger record carries this span's context, so consumers
 * of {@code segflow.triggers} continue the same trace. Each HTTP call of a firing's action is a client span under the
 * context the firing carries, and the call's {@code traceparent} is that span's, so the receiver continues it too.
 * The messaging extension's own tracing is off for this channel (it traces whole records only, not the records of a
 * consumed batch), so it is done here.
 */
@ApplicationScoped
public class TriggerTracing {
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final String TRACEPARENT = RecordTraces.TRACEPARENT;
    private static final TextMapGetter<String> TRACEPARENT_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String traceparent) {
            return List.of(TRACEPARENT);
        }

        @Override
        public String get(String traceparent, String key) {
            return TRACEPARENT.equals(key) ? traceparent : null;
        }
    };

    private final Tracer tracer;

    TriggerTracing(OpenTelemetry telemetry) {
        this.tracer = telemetry.getTracer("io.segflow.trigger");
    }

    /**
     * The span of turning one change into its trigger, a child of the trace the change record carries. A record
     * without trace context starts none: a root span per change would cost more than routing it. With tracing off
     * here the span is the change's own context, so the trigger record still carries the upstream trace.
     */
    public Span start(ConsumerRecord<?, ?> change) {
        return RecordTraces.startProcessing(tracer, change);
    }

    /** Writes the span's context into the trigger record's headers ({@code traceparent}, {@code tracestate}). */
    public void inject(Span span, Headers headers) {
        RecordTraces.inject(span, headers);
    }

    /**
     * The W3C {@code traceparent} a firing carries into its webhook call: the span's, else the change record's own,
     * else null (the change came without trace context).
     */
    public String traceparent(Span span, ConsumerRecord<?, ?> change) {
        if (span.getSpanContext().isValid()) {
            return traceparent(span);
        }
        return RecordTraces.traceparent(change);
    }

    /**
     * The client span of one HTTP call of a firing's action, a child of the context the firing carries
     * ({@code traceparent}, from its change or event); none for a firing without one.
     */
    public Span startCall(String traceparent, URI url) {
        if (traceparent == null) {
            return Span.getInvalid();
        }
        Context parent = W3C.extract(Context.root(), traceparent, TRACEPARENT_GETTER);
        return tracer.spanBuilder("POST").setParent(parent).setSpanKind(SpanKind.CLIENT)
                .setAttribute("http.request.method", "POST")
                .setAttribute("server.address", url.getHost())
                .setAttribute("server.port", (long) port(url))
                .setAttribute("url.scheme", url.getScheme())
                .startSpan();
    }

    /** The {@code traceparent} a call carries: its span's, else (tracing off) the firing's own, else null. */
    public String callTraceparent(Span call, String firing) {
        return call.getSpanContext().isValid() ? traceparent(call) : firing;
    }

    /** Ends a call's span with the answer's status (null: no answer), an error unless 2xx. */
    public void endCall(Span call, Integer status, String error) {
        if (status != null) {
            call.setAttribute("http.response.status_code", (long) status);
        }
        if (status == null || status / 100 != 2) {
            call.setStatus(StatusCode.ERROR, error == null ? "HTTP " + status : error);
        }
        call.end();
    }

    private static String traceparent(Span span) {
        var context = span.getSpanContext();
        return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
    }

    private static int port(URI url) {
        return url.getPort() != -1 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
    }

    /** Ends the spans of a batch once its trigger records are acknowledged, or failed. */
    public void end(List<Span> spans, Throwable failure) {
        for (Span span : spans) {
            if (failure != null) {
                span.setStatus(StatusCode.ERROR, failure.toString());
            }
            span.end();
        }
    }
}
