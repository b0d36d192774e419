package io.segflow.bench.pipeline;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
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
 * segment-function adds to them is the difference. {@link #measure} runs after the window, when segment-function has
 * no events; {@link #alongside} sends a few events a second through two other topics during the window, so that its
 * slow seconds can be read against what Kafka alone took in the same seconds.
 */
final class KafkaFloor {
    static final String IN = "segflow.bench.floor-in";
    static final String OUT = "segflow.bench.floor-out";
    static final String ALONGSIDE_IN = "segflow.bench.floor-alongside-in";
    static final String ALONGSIDE_OUT = "segflow.bench.floor-alongside-out";
    private static final String NUMBER = "n";
    private static final int WARMUP_SECONDS = 5;

    private KafkaFloor() {
    }

    /** The latencies of {@code seconds} at {@code rate}, after a short warm-up of the three clients. */
    static LatencySamples.Percentiles measure(String bootstrap, int partitions, int rate, int seconds,
                                              Supplier<EventRecord> events) throws Exception {
        long warmup = (long) rate * WARMUP_SECONDS;
        try (Flow flow = new Flow(bootstrap, partitions, IN, OUT, rate)) {
            flow.countBetween(flow.intendedNanos(warmup), Long.MAX_VALUE);
            long total = warmup + (long) rate * seconds;
            for (long n = 0; n < total; n++) {
                flow.send(n, events.get());
            }
            flow.awaitCounted(Duration.ofSeconds(30));
            return flow.samples.percentiles(t -> true);
        }
    }

    /**
     * {@code rate} events a second through {@link #ALONGSIDE_IN} and {@link #ALONGSIDE_OUT}, sent on a thread of its
     * own from now until stopped; only those due in {@link Flow#countBetween} count.
     */
    static Flow alongside(String bootstrap, int partitions, int rate, Supplier<EventRecord> events) throws Exception {
        Flow flow = new Flow(bootstrap, partitions, ALONGSIDE_IN, ALONGSIDE_OUT, rate);
        flow.sendInBackground(events);
        return flow;
    }

    /** One floor's three clients, its schedule (the n-th event due at {@code start + n × interval}) and its samples. */
    static final class Flow implements AutoCloseable {
        final LatencySamples samples = new LatencySamples();
        private final String in;
        private final long startNanos;
        private final long intervalNanos;
        private final Relay relay;
        private final Arrivals arrivals;
        private final EventProducer producer;
        private final AtomicLong counted = new AtomicLong();
        private volatile long countFrom = Long.MAX_VALUE;
        private volatile long countUntil = Long.MAX_VALUE;
        private volatile boolean sending = true;
        private Thread sender;

        private Flow(String bootstrap, int partitions, String in, String out, int rate) throws Exception {
            createTopics(bootstrap, partitions, in, out);
            this.in = in;
            this.intervalNanos = 1_000_000_000L / rate;
            relay = new Relay(bootstrap, in, out);
            arrivals = new Arrivals(bootstrap, out, (n, receivedNanos) -> {
                long intended = intendedNanos(n);
                if (counts(intended)) {
                    samples.add(intended, receivedNanos - intended);
                }
            });
            producer = new EventProducer(bootstrap, 2, in);
            startNanos = System.nanoTime() + 500_000_000L; // the consumers placed at the topics' ends first
        }

        long intendedNanos(long n) {
            return startNanos + n * intervalNanos;
        }

        /** Counts the events due from {@code fromNanos} until before {@code untilNanos}; the others are a warm-up. */
        void countBetween(long fromNanos, long untilNanos) {
            countFrom = fromNanos;
            countUntil = untilNanos;
        }

        private boolean counts(long intendedNanos) {
            return intendedNanos >= countFrom && intendedNanos < countUntil;
        }

        private void send(long n, EventRecord event) {
            long intended = intendedNanos(n);
            Pacing.awaitDue(intended);
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(in, event.key(), event.value());
            record.headers().add(NUMBER, ByteBuffer.allocate(Long.BYTES).putLong(n).array());
            producer.send(record);
            if (counts(intended)) {
                counted.incrementAndGet();
            }
        }

        private void sendInBackground(Supplier<EventRecord> events) {
            sender = Thread.ofPlatform().name("floor-sender").daemon().start(() -> {
                for (long n = 0; sending; n++) {
                    send(n, events.get());
                }
            });
        }

        /** Until every counted event arrived, or {@code max} passed. */
        void awaitCounted(Duration max) throws InterruptedException {
            producer.flush();
            long deadline = System.nanoTime() + max.toNanos();
            while (samples.count() < counted.get() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }

        /** Stops the background sender and waits up to 10 s for the counted events still on their way. */
        void stop() throws InterruptedException {
            sending = false;
            if (sender != null) {
                sender.join(5_000);
                awaitCounted(Duration.ofSeconds(10));
            }
        }

        @Override
        public void close() throws Exception {
            stop();
            try (producer; relay; arrivals) {
                // closed in reverse order
            }
        }
    }

    /** An event as ingest writes it: keyed by user. */
    record EventRecord(String key, byte[] value) {
    }

    private static void createTopics(String bootstrap, int partitions, String... topics) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Set<String> existing = admin.listTopics().names().get();
            for (String topic : topics) {
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
        private final String out;

        Relay(String bootstrap, String in, String out) {
            super("floor-relay", relayConsumer(bootstrap), in);
            this.out = out;
            Properties settings = KafkaClients.properties(bootstrap);
            settings.put(ProducerConfig.ACKS_CONFIG, "all"); // segment-function's change producer
            settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            settings.put(ProducerConfig.LINGER_MS_CONFIG, "0");
            settings.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
            producer = new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer());
            start();
        }

        private static Properties relayConsumer(String bootstrap) {
            Properties in = KafkaClients.properties(bootstrap);
            in.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            in.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000"); // segment-function's segflow.engine.max-poll-records
            return in;
        }

        @Override
        void received(ConsumerRecords<String, byte[]> records, long receivedNanos) {
            for (ConsumerRecord<String, byte[]> record : records) {
                producer.send(new ProducerRecord<>(out, null, record.key(), record.value(), record.headers()));
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

        Arrivals(String bootstrap, String out, Listener listener) {
            super("floor-arrivals", ChangeStream.consumerProperties(bootstrap), out);
            this.listener = listener;
            start();
        }

        @Override
        void received(ConsumerRecords<String, byte[]> records, long receivedNanos) {
            records.forEach(record -> listener.arrived(number(record), receivedNanos));
        }
    }
}
