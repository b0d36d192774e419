package io.segflow.bench.pipeline;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The floor under the event → change record latency on this machine: the same events, at the same rate and with
 * ingest's producer, through Kafka twice with nothing in between. A relay consumer forwards each record as its poll
 * returns it, with segment-function's producer settings, to a second topic read as the change stream is read. These
 * are segflow's two hops (ingest → segment-function, segment-function → a consumer of the changes); what
 * segment-function adds to them is the difference. Runs after the window, when segment-function has no events.
 */
final class KafkaFloor {
    static final String IN = "segflow.bench.floor-in";
    static final String OUT = "segflow.bench.floor-out";
    private static final String NUMBER = "n";
    private static final int WARMUP_SECONDS = 5;

    private KafkaFloor() {
    }

    /** The latencies of {@code seconds} at {@code rate}, after a short warm-up of the three clients. */
    static LatencySamples.Percentiles measure(String bootstrap, int partitions, int rate, int seconds,
                                              Supplier<EventRecord> events) throws Exception {
        createTopics(bootstrap, partitions);
        LatencySamples samples = new LatencySamples();
        long warmup = (long) rate * WARMUP_SECONDS;
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime() + 500_000_000L; // the consumers placed at the topics' ends first
        try (Relay relay = new Relay(bootstrap);
             Arrivals arrivals = new Arrivals(bootstrap, (n, receivedNanos) -> {
                 if (n >= warmup) {
                     long intended = start + n * interval;
                     samples.add(intended, receivedNanos - intended);
                 }
             });
             EventProducer producer = new EventProducer(bootstrap, 2, IN)) {
            long total = warmup + (long) rate * seconds;
            for (long n = 0; n < total; n++) {
                Pacing.awaitDue(start + n * interval);
                EventRecord event = events.get();
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(IN, event.key(), event.value());
                record.headers().add(NUMBER, ByteBuffer.allocate(Long.BYTES).putLong(n).array());
                producer.send(record);
            }
            producer.flush();
            Arrivals.awaitCount(total - warmup, samples, Duration.ofSeconds(30));
        }
        return samples.percentiles(t -> true);
    }

    /** An event as ingest writes it: keyed by user. */
    record EventRecord(String key, byte[] value) {
    }

    private static void createTopics(String bootstrap, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Set<String> existing = admin.listTopics().names().get();
            for (String topic : List.of(IN, OUT)) {
                if (!existing.contains(topic)) {
                    try {
                        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw e;
                        }
                    }
                }
            }
        }
    }

    private static List<TopicPartition> atEnd(KafkaConsumer<?, ?> consumer, String topic) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolved now, before the first record is sent
        return partitions;
    }

    private static long number(ConsumerRecord<?, ?> record) {
        Header header = record.headers().lastHeader(NUMBER);
        return ByteBuffer.wrap(header.value()).getLong();
    }

    /** A consumer polling on its own thread until closed; each poll's records go to {@link #received}. */
    private abstract static class PollingThread implements AutoCloseable {
        final KafkaConsumer<String, byte[]> consumer;
        private final Thread thread;
        private volatile boolean running = true;

        PollingThread(String name, Properties props, String topic) {
            consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
            atEnd(consumer, topic);
            thread = Thread.ofPlatform().name(name).daemon().unstarted(this::run);
        }

        /** Started once the subclass is ready: its fields are set. */
        void start() {
            thread.start();
        }

        abstract void received(ConsumerRecords<String, byte[]> records, long receivedNanos);

        private void run() {
            try {
                while (running) {
                    ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
                    received(records, System.nanoTime());
                }
            } catch (WakeupException e) {
                // closing
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            consumer.wakeup();
            thread.join(5_000);
            consumer.close();
        }
    }

    /** The consumer that forwards every record at once, as segment-function's loop would with no work to do. */
    private static final class Relay extends PollingThread {
        private final KafkaProducer<String, byte[]> producer;

        Relay(String bootstrap) {
            super("floor-relay", relayConsumer(bootstrap), IN);
            Properties out = new Properties();
            out.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            out.put(ProducerConfig.ACKS_CONFIG, "all"); // segment-function's change producer
            out.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            out.put(ProducerConfig.LINGER_MS_CONFIG, "0");
            out.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
            producer = new KafkaProducer<>(out, new StringSerializer(), new ByteArraySerializer());
            start();
        }

        private static Properties relayConsumer(String bootstrap) {
            Properties in = new Properties();
            in.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            in.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            in.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000"); // segment-function's segflow.engine.max-poll-records
            return in;
        }

        @Override
        void received(ConsumerRecords<String, byte[]> records, long receivedNanos) {
            for (ConsumerRecord<String, byte[]> record : records) {
                producer.send(new ProducerRecord<>(OUT, null, record.key(), record.value(), record.headers()));
            }
        }

        @Override
        public void close() throws InterruptedException {
            super.close();
            producer.close();
        }
    }

    /** Reads the relayed records as the change stream is read, and reports each with when its poll returned. */
    private static final class Arrivals extends PollingThread {
        interface Listener {
            void arrived(long number, long receivedNanos);
        }

        private final Listener listener;

        Arrivals(String bootstrap, Listener listener) {
            super("floor-arrivals", ChangeStream.consumerProperties(bootstrap), OUT);
            this.listener = listener;
            start();
        }

        @Override
        void received(ConsumerRecords<String, byte[]> records, long receivedNanos) {
            records.forEach(record -> listener.arrived(number(record), receivedNanos));
        }

        /** Until {@code samples} holds {@code count}, or {@code max} passed. */
        static void awaitCount(long count, LatencySamples samples, Duration max) throws InterruptedException {
            long deadline = System.nanoTime() + max.toNanos();
            while (samples.count() < count && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }
    }
}
