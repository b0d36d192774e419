package io.segflow.ingest;

import kafka.server.BrokerServer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A second one-node KRaft cluster for the outage tests, whose broker can be stopped and started again on the same
 * port (the shared test broker must stay up for the other tests).
 */
final class StoppableKafka {
    private static StoppableKafka instance;
    private final KafkaClusterTestKit cluster;

    private StoppableKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    static synchronized StoppableKafka instance() {
        if (instance == null) {
            instance = new StoppableKafka(start());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    instance.cluster.close();
                } catch (Exception ignored) {
                    // the JVM is going away
                }
            }));
        }
        return instance;
    }

    private static KafkaClusterTestKit start() {
        try {
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                    .setConfigProp("auto.create.topics.enable", "true")
                    .setConfigProp("num.partitions", "1")
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return cluster;
        } catch (Exception e) {
            throw new IllegalStateException("could not start the stoppable Kafka broker", e);
        }
    }

    String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    void stopBroker() {
        cluster.brokers().values().forEach(BrokerServer::shutdown);
    }

    void startBroker() throws Exception {
        cluster.brokers().values().forEach(BrokerServer::startup);
        cluster.waitForReadyBrokers();
    }
}
