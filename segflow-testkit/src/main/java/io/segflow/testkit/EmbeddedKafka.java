package io.segflow.testkit;

import java.util.List;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.Exit;

/**
 * A KRaft cluster inside the test JVM: one node (combined broker and controller), or for tests that stop a broker,
 * several brokers of which the first is the controller too.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static EmbeddedKafka start() {
        return start(1);
    }

    /**
     * A cluster of {@code brokers} brokers. Topics get a replica on every broker (the consumer offsets topic keeps
     * one), so that with a broker stopped the others lead every partition, and a topic that requires all its replicas
     * in sync is held back.
     */
    public static EmbeddedKafka start(int brokers) {
        // A broker that hits a fault while the JVM shuts down (its log dirs already gone, say) calls Exit.halt(1):
        // in a test JVM that turns green tests into a failed fork. Let it report, never end the JVM.
        Exit.setExitProcedure((status, message) -> System.err.println("embedded Kafka asked to exit(" + status + "): " + message));
        Exit.setHaltProcedure((status, message) -> System.err.println("embedded Kafka asked to halt(" + status + "): " + message));
        try {
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(brokers)
                    .setNumControllerNodes(1)
                    .build())
                    .setConfigProp("auto.create.topics.enable", "true")
                    .setConfigProp("num.partitions", "3")
                    .setConfigProp("default.replication.factor", String.valueOf(brokers))
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

    /** The ids of the brokers, in order. */
    public List<Integer> brokerIds() {
        return List.copyOf(cluster.brokers().keySet());
    }

    /** Stops one broker (a controlled shutdown: the others take over the partitions it led). */
    public void stopBroker(int id) {
        cluster.brokers().get(id).shutdown();
    }

    /** Starts a broker {@link #stopBroker(int)} stopped again, on the same port; returns once it is ready. */
    public void startBroker(int id) throws Exception {
        cluster.brokers().get(id).startup();
        cluster.waitForReadyBrokers();
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
