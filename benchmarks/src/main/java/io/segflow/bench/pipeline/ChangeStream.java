package io.segflow.bench.pipeline;

import io.segflow.core.Topics;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.membership.SegmentChangeJson;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * {@code segflow.segment-changes} from now on, read as segflow's own consumers read it ({@code read_committed}),
 * on a thread of its own. Delivery is at least once, so a change is identified by (user, membership version):
 * the first copy goes to the listener, later ones only count as duplicates.
 */
final class ChangeStream implements AutoCloseable {

    /**
     * One change record; {@code cause} is {@code event:<messageId>}, {@code time:...}, {@code segments:<rev>},
     * {@code merged:<merged id>} (on the user) or {@code merged-into:<user>} (on the merged id); {@code kind} is
     * {@code entered}, {@code exited} or {@code merged} (the last record of an id merged into a user); {@code atMillis}
     * is the record's {@code at}, the time of segment-function's round that made it; {@code sentAtMillis} is the
     * record's timestamp, set by segment-function's producer when it sent it.
     */
    record Change(String userId, String segmentId, boolean entered, long version, String cause, long sentAtMillis,
                  String kind, long atMillis) {
        boolean merged() {
            return "merged".equals(kind);
        }

        /** Caused by an identity merge, on either id. */
        boolean causedByMerge() {
            return SegmentChange.isMergeCause(cause);
        }
    }

    interface Listener {
        /** Called on the consumer thread, once per distinct change, with when its poll returned. */
        void onChange(Change change, long receivedNanos);
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private final HashedIds seen = new HashedIds();
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong byEvent = new AtomicLong();
    private final AtomicLong byTime = new AtomicLong();
    private final AtomicLong byCatalog = new AtomicLong();
    private final AtomicLong byMerge = new AtomicLong();
    private volatile long lastRecordNanos = System.nanoTime();
    private volatile Listener listener = (change, nanos) -> { };
    private volatile boolean running = true;

    /** How the change stream is read: committed records only, in polls of up to 2,000, no group offsets. */
    static Properties consumerProperties(String bootstrap) {
        Properties props = KafkaClients.properties(bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        return props;
    }

    ChangeStream(String bootstrap) {
        consumer = new KafkaConsumer<>(consumerProperties(bootstrap), new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = partitions();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        // Resolve the end now: a lazy seek would start wherever the end is at the first poll, after the first changes.
        partitions.forEach(consumer::position);
        thread = Thread.ofPlatform().name("change-stream").daemon().start(this::run);
    }

    void listen(Listener listener) {
        this.listener = listener;
    }

    long records() {
        return records.get();
    }

    long distinct() {
        return seen.size();
    }

    long duplicates() {
        return duplicates.get();
    }

    /** Distinct changes by cause: event, time, catalog (backfill), identity merge. */
    long[] byCause() {
        return new long[] {byEvent.get(), byTime.get(), byCatalog.get(), byMerge.get()};
    }

    long lastRecordNanos() {
        return lastRecordNanos;
    }

    /** Waits until no record came for {@code quiet}, at most {@code max}. */
    void awaitQuiet(Duration quiet, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline && System.nanoTime() - lastRecordNanos < quiet.toNanos()) {
            Thread.sleep(100);
        }
    }

    private List<TopicPartition> partitions() {
        // Asking for the topic's partitions creates it on a fresh stack (auto-create), as segment-function's first write would.
        for (int attempt = 0; attempt < 50; attempt++) {
            var infos = consumer.partitionsFor(Topics.SEGMENT_CHANGES);
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new IllegalStateException("no partitions for " + Topics.SEGMENT_CHANGES);
    }

    private void run() {
        try {
            while (running) {
                var batch = consumer.poll(Duration.ofMillis(100));
                long received = System.nanoTime();
                for (ConsumerRecord<String, byte[]> record : batch) {
                    records.incrementAndGet();
                    lastRecordNanos = received;
                    Change change = parse(record.value(), record.timestamp());
                    if (change == null) {
                        continue;
                    }
                    if (!seen.add(change.userId(), change.version())) {
                        duplicates.incrementAndGet();
                        continue;
                    }
                    String cause = change.cause();
                    (cause.startsWith("event:") ? byEvent : cause.startsWith("time:") ? byTime
                            : change.causedByMerge() ? byMerge : byCatalog).incrementAndGet();
                    listener.onChange(change, received);
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    private static Change parse(byte[] value, long timestamp) {
        try {
            SegmentChange change = SegmentChangeJson.read(value);
            if (change == null) {
                return null;
            }
            return new Change(change.userId(), change.segmentId() == null ? "" : change.segmentId(), change.entered(),
                    change.version(), change.cause() == null ? "" : change.cause(), timestamp,
                    change.change() == null ? "" : change.change(), change.at() == null ? 0 : change.at().toEpochMilli());
        } catch (IOException | RuntimeException e) {
            return null; // not a change record: not ours to judge here
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
