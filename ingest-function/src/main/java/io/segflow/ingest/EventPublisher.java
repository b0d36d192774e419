package io.segflow.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.segflow.core.Topics;
import io.segflow.core.event.Event;
import io.segflow.core.event.EventRecords;
import io.segflow.core.event.RejectedEvent;
import io.segflow.core.json.Json;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Writes a request's events to {@value Topics#EVENTS} (keyed by profile key) and its rejected calls to
 * {@value Topics#EVENTS_REJECTED} with ingest's own {@link KafkaProducer}: all of them are handed to the producer
 * together, so that they travel in its per-partition record batches, and the result completes once the broker
 * acknowledged (or refused) every record. Each value is serialized once, straight to bytes.
 *
 * <p>{@link KafkaProducer#send} may block (up to {@code max.block.ms}) while it has no metadata for a topic or its
 * buffer is full, so the serializing and sending run on a virtual thread, never on the event loop; the callbacks
 * arrive on the producer's I/O thread.
 */
@ApplicationScoped
public class EventPublisher {
    private static final ObjectWriter REJECTED_WRITER = Json.MAPPER.writerFor(RejectedEvent.class);
    private static final TextMapSetter<List<Header>> HEADER_SETTER =
            (headers, name, value) -> headers.add(new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8)));

    private final KafkaProducer<String, byte[]> producer;
    private final ExecutorService senders = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("ingest-send-", 0).factory());

    EventPublisher(IngestProducer producer) {
        this.producer = producer.producer();
    }

    /**
     * Sends the records; the future completes when every record was acknowledged, or exceptionally (with the first
     * failure) once every record was either acknowledged or failed - never earlier, so that in-flight accounting
     * tied to it is exact.
     */
    public CompletableFuture<Void> publish(List<Event> accepted, List<RejectedEvent> refused) {
        int records = accepted.size() + refused.size();
        if (records == 0) {
            return CompletableFuture.completedFuture(null);
        }
        // The request's trace continues in the records' traceparent (and tracestate) headers.
        List<Header> trace = traceHeaders(Context.current());
        Acks acks = new Acks(records);
        try {
            senders.execute(() -> send(accepted, refused, trace, acks));
        } catch (RuntimeException e) {
            acks.abandon(records, e);
        }
        return acks.done;
    }

    private void send(List<Event> accepted, List<RejectedEvent> refused, List<Header> trace, Acks acks) {
        int sent = 0;
        try {
            for (Event event : accepted) {
                producer.send(new ProducerRecord<>(Topics.EVENTS, null, event.profileKey(),
                        EventRecords.write(event), trace), acks);
                sent++;
                if (acks.failed()) {
                    break;
                }
            }
            for (int i = 0; i < refused.size() && !acks.failed(); i++) {
                RejectedEvent rejection = refused.get(i);
                producer.send(new ProducerRecord<>(Topics.EVENTS_REJECTED, null, rejection.profileKey(),
                        REJECTED_WRITER.writeValueAsBytes(rejection), trace), acks);
                sent++;
            }
            if (sent < acks.total) {
                // A record failed already (send() reports max.block.ms passing without metadata or buffer room through
                // the callback): the request is lost anyway, so the rest are not sent to wait out max.block.ms again.
                acks.abandon(acks.total - sent, null);
            }
        } catch (JsonProcessingException | RuntimeException e) {
            // send() threw (closed producer, interrupted, ...): no callback comes for this record and the ones after it.
            acks.abandon(acks.total - sent, e);
        }
    }

    private static List<Header> traceHeaders(Context context) {
        List<Header> headers = new ArrayList<>(2);
        W3CTraceContextPropagator.getInstance().inject(context, headers, HEADER_SETTER);
        return headers.isEmpty() ? List.of() : headers;
    }

    @PreDestroy
    void close() {
        senders.close();
    }

    /** Counts a request's acknowledgements; completes {@link #done} when the last one is in. */
    private static final class Acks implements Callback {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final int total;
        private final AtomicInteger pending;
        private final AtomicReference<Exception> failure = new AtomicReference<>();

        Acks(int total) {
            this.total = total;
            this.pending = new AtomicInteger(total);
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception != null) {
                failure.compareAndSet(null, exception);
            }
            if (pending.decrementAndGet() == 0) {
                finish();
            }
        }

        boolean failed() {
            return failure.get() != null;
        }

        void abandon(int records, Exception exception) {
            if (exception != null) {
                failure.compareAndSet(null, exception);
            }
            if (records > 0 && pending.addAndGet(-records) == 0) {
                finish();
            }
        }

        private void finish() {
            Exception first = failure.get();
            if (first == null) {
                done.complete(null);
            } else {
                done.completeExceptionally(first);
            }
        }
    }
}
