package io.segflow.core.trace;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class RecordTracesTest {
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    /** Without an SDK a started span is the parent's context: what is read is exactly what is passed on. */
    private final Tracer tracer = OpenTelemetry.noop().getTracer("test");

    @Test
    void aRecordsTraceContextIsReadAndPassedOnUnchanged() {
        ConsumerRecord<String, String> record = record();
        record.headers().add("traceparent", TRACEPARENT.getBytes(StandardCharsets.UTF_8));

        Span span = RecordTraces.startProcessing(tracer, record);
        RecordHeaders next = new RecordHeaders();
        RecordTraces.inject(span, next);

        assertThat(span.getSpanContext().getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(new String(next.lastHeader("traceparent").value(), StandardCharsets.UTF_8)).isEqualTo(TRACEPARENT);
        assertThat(RecordTraces.traceparent(record)).isEqualTo(TRACEPARENT);
    }

    @Test
    void aRecordWithoutTraceContextStartsNoTraceAndPassesNoneOn() {
        ConsumerRecord<String, String> record = record();

        Span span = RecordTraces.startProcessing(tracer, record);
        RecordHeaders next = new RecordHeaders();
        RecordTraces.inject(span, next);

        assertThat(span.getSpanContext().isValid()).isFalse();
        assertThat(next.lastHeader("traceparent")).isNull();
        assertThat(RecordTraces.traceparent(record)).isNull();
    }

    private static ConsumerRecord<String, String> record() {
        return new ConsumerRecord<>("segflow.events", 2, 41L, "user-1", "{}");
    }
}
