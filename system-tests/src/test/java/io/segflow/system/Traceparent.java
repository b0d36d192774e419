package io.segflow.system;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** A W3C {@code traceparent} ({@code 00-<trace id>-<span id>-<flags>}) as a record header carries it. */
record Traceparent(String traceId, String spanId) {

    static Traceparent of(ConsumerRecord<?, ?> record) {
        Header header = record.headers().lastHeader("traceparent");
        if (header == null) {
            throw new AssertionError("no traceparent on " + record.topic() + "-" + record.partition() + "@" + record.offset());
        }
        String[] parts = new String(header.value(), StandardCharsets.UTF_8).split("-");
        return new Traceparent(parts[1], parts[2]);
    }
}
