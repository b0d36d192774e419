package io.segflow.segment.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.trace.ReadableSpan;
import org.junit.jupiter.api.Test;

class ChangeTracingTest {

    @Test
    void theStartupSpanIsRecordedWithItsAttribute() {
        // A span that does not record keeps no attributes, and so would load none of the classes a first real span
        // loads in the middle of a run.
        Span span = ChangeTracing.loadSpanClasses();

        assertThat(span).isInstanceOf(ReadableSpan.class);
        ReadableSpan recorded = (ReadableSpan) span;
        assertThat(recorded.hasEnded()).isTrue();
        assertThat(recorded.getAttribute(AttributeKey.longKey("segflow.users"))).isEqualTo(0L);
    }
}
