package io.segflow.trigger;

import static io.segflow.trigger.Changes.change;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The broker not acknowledging trigger records: the batch is held and sent again, and nothing is taken as seen. */
class FailedSendTest {
    private static final TopicPartition PARTITION = new TopicPartition(Topics.SEGMENT_CHANGES, 0);

    private final FlakyProducer kafka = new FlakyProducer();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final TriggerRouter router = new TriggerRouter(new SeenPartitions(SeenPartitionsTest.config(1_000)), new TriggerProducer(kafka),
            new TriggerTracing(OpenTelemetry.noop()), metrics);

    @Test
    void aBatchWhoseSendFailedIsSentAgainBeforeItCompletes() throws Exception {
        ConsumerRecords<String, byte[]> batch = batch(change("u1", "vip", 1), change("u1", "vip", 2), change("u2", "vip", 1));
        kafka.failures.set(1);

        router.onSegmentChanges(batch);

        assertThat(kafka.attempts.get()).as("the failed first record stops the batch, then all of it again").isEqualTo(4);
        assertThat(ids(kafka.history())).containsExactly("u1:vip:1", "u1:vip:2", "u2:vip:1");
        assertThat(metrics.counter("segflow.triggers.fired").count()).isEqualTo(3);
    }

    @Test
    void anInterruptedBatchLeavesNoVersionsBehindSoItsRedeliveryIsNotTakenForDuplicates() throws Exception {
        ConsumerRecords<String, byte[]> batch = batch(change("u1", "vip", 1), change("u1", "vip", 2));
        kafka.failures.set(Integer.MAX_VALUE);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread consumer = Thread.ofPlatform().start(() -> {
            try {
                router.onSegmentChanges(batch);
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> kafka.attempts.get() > 0);
        consumer.interrupt();
        consumer.join();
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);

        kafka.failures.set(0);
        router.onSegmentChanges(batch);

        assertThat(ids(kafka.history())).containsExactly("u1:vip:1", "u1:vip:2");
        assertThat(metrics.counter("segflow.segment-changes.duplicates").count()).isZero();
    }

    @Test
    void aBatchTheBrokerDoesNotAcknowledgeIsLeftToTheNextOwnerOnceTheStopIsOver() throws Exception {
        MockProducer<String, byte[]> silent = new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
        Stopping stopping = new Stopping();
        TriggerRouter stopped = new TriggerRouter(new SeenPartitions(SeenPartitionsTest.config(1_000)), new TriggerProducer(silent),
                new TriggerTracing(OpenTelemetry.noop()), metrics, null, stopping);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread consumer = Thread.ofPlatform().start(() -> {
            try {
                stopped.onSegmentChanges(batch(change("u1", "vip", 1), change("u2", "vip", 1)));
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> silent.history().size() == 2);

        stopping.awaitConsumersIdle(null); // the stop's own part ends with the batch still waiting for its acks
        consumer.join(Duration.ofSeconds(5));

        assertThat(consumer.isAlive()).as("the batch no longer waits once the stop is over").isFalse();
        assertThat(outcome.get()).as("failed, so that its offsets stay uncommitted").isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("before the stop");
    }

    private static ConsumerRecords<String, byte[]> batch(SegmentChange... changes) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        for (SegmentChange change : changes) {
            records.add(new ConsumerRecord<>(PARTITION.topic(), PARTITION.partition(), records.size(), change.userId(),
                    Json.writeBytes(change)));
        }
        return new ConsumerRecords<>(Map.of(PARTITION, records), Map.of());
    }

    private static List<String> ids(List<ProducerRecord<String, byte[]>> records) {
        return records.stream().map(r -> Json.read(new String(r.value(), StandardCharsets.UTF_8), Map.class).get("id").toString()).toList();
    }

    /** Acknowledges every record at once, except the next {@code failures} ones, which time out. */
    private static final class FlakyProducer extends MockProducer<String, byte[]> {
        final AtomicInteger failures = new AtomicInteger();
        final AtomicInteger attempts = new AtomicInteger();

        FlakyProducer() {
            super(true, null, new StringSerializer(), new ByteArraySerializer());
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
            attempts.incrementAndGet();
            if (failures.getAndUpdate(left -> left > 0 ? left - 1 : 0) > 0) {
                TimeoutException timeout = new TimeoutException("expired before it was acknowledged");
                callback.onCompletion(null, timeout);
                return CompletableFuture.failedFuture(timeout);
            }
            return super.send(record, callback);
        }
    }
}
