package io.segflow.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A firing's HTTP call is a client span of the firing's trace, and its {@code traceparent} is that span's. */
class CallTracingTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String FIRING = "00-" + TRACE + "-00f067aa0ba902b7-01";

    private final List<SpanData> ended = new CopyOnWriteArrayList<>();
    private final TriggerTracing tracing = new TriggerTracing(OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(new Collect())).build())
            .build());

    @Test
    void aCallIsAClientSpanUnderTheFiringsTraceAndCarriesItsOwnContext() {
        Span call = tracing.startCall(FIRING, URI.create("https://hooks.example.com/cart"));
        String traceparent = tracing.callTraceparent(call, FIRING);
        tracing.endCall(call, 204, null);

        assertThat(ended).hasSize(1);
        SpanData span = ended.get(0);
        assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(span.getTraceId()).isEqualTo(TRACE);
        assertThat(span.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(traceparent).isEqualTo("00-" + TRACE + "-" + span.getSpanId() + "-01");
        assertThat(span.getAttributes().asMap().toString()).contains("server.address=hooks.example.com", "server.port=443");
        assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    }

    @Test
    void aFailedCallIsAnErroneousSpanWithItsStatus() {
        tracing.endCall(tracing.startCall(FIRING, URI.create("http://127.0.0.1:8080/hook")), 503, "HTTP 503");

        assertThat(ended.get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(ended.get(0).getAttributes().asMap().toString()).contains("http.response.status_code=503");
    }

    @Test
    void aFiringWithoutTraceStartsNoSpanAndItsCallCarriesNoTraceparent() {
        Span call = tracing.startCall(null, URI.create("http://127.0.0.1:8080/hook"));
        tracing.endCall(call, 200, null);

        assertThat(tracing.callTraceparent(call, null)).isNull();
        assertThat(ended).isEmpty();
    }

    /** Keeps the ended spans. */
    private final class Collect implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            ended.addAll(spans);
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
