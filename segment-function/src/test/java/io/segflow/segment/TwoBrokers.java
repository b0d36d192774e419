package io.segflow.segment;

import io.segflow.testkit.EmbeddedKafka;
import io.segflow.testkit.RedisProcess;

/**
 * A Kafka cluster of two brokers, and a Redis for its state, of the tests that stop a broker: the shared Kafka and
 * Redis stay up for the other tests (and Redis holds the state of the partitions of one cluster only). Started on
 * first use, stopped when the JVM exits.
 */
final class TwoBrokers {
    private static TwoBrokers instance;

    final EmbeddedKafka kafka;
    final String bootstrapServers;
    final RedisProcess redis;

    private TwoBrokers(EmbeddedKafka kafka, RedisProcess redis) {
        this.kafka = kafka;
        this.bootstrapServers = kafka.bootstrapServers(); // asked once: a stopped broker has no port to list
        this.redis = redis;
    }

    static synchronized TwoBrokers instance() {
        if (instance == null) {
            TwoBrokers started = new TwoBrokers(EmbeddedKafka.start(2), RedisProcess.start());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                started.redis.close();
                try {
                    started.kafka.close();
                } catch (Exception ignored) {
                    // the JVM is going away
                }
            }));
            instance = started;
        }
        return instance;
    }
}
