package io.segflow.api.push;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.segflow.core.trace.RecordTraces;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The api's part of an event's trace: pushing a change to the connections open here is a span under the change's
 * trace context (segment-function's span). Changes of users without a connection here, most of them, get none.
 * The messaging extension's own tracing is off for this channel (it would trace every record, and it traces whole
 * records only, not the records of a consumed batch), so it is done here.
 */
@ApplicationScoped
public class PushTracing {
    private final Tracer tracer;

    PushTracing(OpenTelemetry telemetry) {
        this.tracer = telemetry.getTracer("io.segflow.api");
    }

    /** The span of pushing one change, a child of the trace its record carries; none for a record without one. */
    public Span startPush(ConsumerRecord<?, ?> change) {
        return RecordTraces.startProcessing(tracer, change);
    }
}
