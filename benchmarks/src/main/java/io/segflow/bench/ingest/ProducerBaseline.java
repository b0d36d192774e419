package io.segflow.bench.ingest;

import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka's raw producer rate on the same broker, done the way kafka-producer-perf-test does it (one producer, async
 * sends of a fixed payload as fast as the producer takes them, --throughput -1), with ingest's producer settings
 * (acks=all, idempotence, linger.ms=2, batch.size=128 KiB) and a key per record like ingest.
 */
final class ProducerBaseline {

    record Result(long records, double seconds) {
        double recordsPerSecond() {
            return records / seconds;
        }
    }

    /** Sends rounds of {@code records} records until at least {@code minSeconds} passed (after a warm-up round). */
    static Result run(String bootstrap, String topic, int payloadBytes, long records, int minSeconds)
            throws InterruptedException {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "131072");
        byte[] payload = new byte[payloadBytes];
        java.util.Arrays.fill(payload, (byte) 'x');
        AtomicLong failed = new AtomicLong();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            // Warm up: metadata, connections, the JIT.
            sendAll(producer, topic, payload, Math.min(records / 10, 50_000), failed);
            long start = System.nanoTime();
            long sent = 0;
            do {
                sendAll(producer, topic, payload, records, failed);
                sent += records;
            } while (System.nanoTime() - start < minSeconds * 1_000_000_000L);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (failed.get() > 0) {
                System.out.println("  producer: " + failed.get() + " sends failed");
            }
            return new Result(sent, seconds);
        }
    }

    private static void sendAll(KafkaProducer<String, byte[]> producer, String topic, byte[] payload, long records,
                                AtomicLong failed) throws InterruptedException {
        CountDownLatch acked = new CountDownLatch((int) records);
        for (long i = 0; i < records; i++) {
            producer.send(new ProducerRecord<>(topic, "user-" + (i % 50_000), payload), (metadata, error) -> {
                if (error != null) {
                    failed.incrementAndGet();
                }
                acked.countDown();
            });
        }
        acked.await();
    }
}
