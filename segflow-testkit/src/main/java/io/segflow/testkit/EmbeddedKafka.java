package io.segflow.testkit;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.Exit;

/** A one-node KRaft broker (combined broker and controller) inside the test JVM. */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static EmbeddedKafka start() {
        // A broker that hits a fault while the JVM shuts down (its log dirs already gone, say) calls Exit.halt(1):
        // in a test JVM that turns green tests into a failed fork. Let it report, never end the JVM.
        Exit.setExitProcedure((status, message) -> System.err.println("embedded Kafka asked to exit(" + status + "): " + message));
        Exit.setHaltProcedure((status, message) -> System.err.println("embedded Kafka asked to halt(" + status + "): " + message));
        try {
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
                    .setConfigProp("auto.create.topics.enable", "true")
                    .setConfigProp("num.partitions", "3")
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    // Fewer internal partitions than the defaults (50 each): the first group and the first
                    // transaction are ready sooner.
                    .setConfigProp("offsets.topic.num.partitions", "3")
                    .setConfigProp("transaction.state.log.num.partitions", "3")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafka(cluster);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the in-process Kafka broker", e);
        }
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** Stops the broker (the controller stays), for outage tests; {@link #startBroker()} brings it back on the same port. */
    public void stopBroker() {
        cluster.brokers().values().forEach(kafka.server.BrokerServer::shutdown);
    }

    public void startBroker() throws Exception {
        cluster.brokers().values().forEach(kafka.server.BrokerServer::startup);
        cluster.waitForReadyBrokers();
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
