package io.segflow.system;

import io.segflow.testkit.Ports;
import io.segflow.core.Topics;
import io.segflow.testkit.EmbeddedKafka;
import io.segflow.testkit.RedisCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Packaged functions on a Redis Cluster: one Kafka broker with {@code segflow.events} in twelve partitions (so that
 * the partitions' hash tags land on every master), the cluster, and each function started with
 * {@code SEGFLOW_REDIS_CLIENT_TYPE=cluster} and the masters as {@code SEGFLOW_REDIS_HOSTS} (the client reads the rest
 * of the topology, replicas and a promoted replica after a failover, from {@code CLUSTER SLOTS}). Closed in reverse.
 */
final class ClusterStack implements AutoCloseable {
    static final int PARTITIONS = 12;

    final EmbeddedKafka kafka;
    final RedisCluster cluster;
    final List<FunctionProcess> functions = new ArrayList<>();
    private final String name;

    private ClusterStack(String name, EmbeddedKafka kafka, RedisCluster cluster) {
        this.name = name;
        this.kafka = kafka;
        this.cluster = cluster;
    }

    static ClusterStack start(String name, int masters, int replicasPerMaster) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(Topics.EVENTS, PARTITIONS, (short) 1))).all().get();
        }
        return new ClusterStack(name, kafka, RedisCluster.start(masters, replicasPerMaster));
    }

    /** Starts a packaged function on this stack, with {@code env} on top of the Kafka and cluster settings. */
    FunctionProcess start(String module, Map<String, String> env) throws Exception {
        Map<String, String> all = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "SEGFLOW_REDIS_HOSTS", cluster.hosts(), "SEGFLOW_REDIS_CLIENT_TYPE", "cluster"));
        all.putAll(env);
        FunctionProcess process = FunctionProcess.start(module, name + "-" + module, freePort(), all);
        functions.add(process);
        return process;
    }

    void awaitAllReady(Duration limit) throws Exception {
        FunctionProcess.awaitAllReady(functions, limit);
    }

    @Override
    public void close() throws Exception {
        FunctionProcess.killAll(functions);
        cluster.close();
        kafka.close();
    }

    private static int freePort() {
        return Ports.free();
    }
}
