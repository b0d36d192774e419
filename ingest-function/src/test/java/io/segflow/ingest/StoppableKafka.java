package io.segflow.ingest;

import io.segflow.testkit.EmbeddedKafka;


/**
 * A second one-node KRaft cluster for the outage tests, whose broker can be stopped and started again on the same
 * port (the shared test broker must stay up for the other tests).
 */
final class StoppableKafka {
    private static EmbeddedKafka instance;

    private StoppableKafka() {
    }

    static synchronized EmbeddedKafka instance() {
        if (instance == null) {
            EmbeddedKafka kafka = EmbeddedKafka.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    kafka.close();
                } catch (Exception ignored) {
                    // the JVM is going away
                }
            }));
            instance = kafka;
        }
        return instance;
    }
}
