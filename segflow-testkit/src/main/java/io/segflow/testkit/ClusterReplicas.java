package io.segflow.testkit;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A replica for each master of a Redis Cluster, for tests of {@code WAIT}: plain servers replicating the masters, not
 * nodes of the cluster, since the cluster client connects to every node it lists and a connection it opens to a
 * stopped node never completes its handshake. They are paused (SIGSTOP) and resumed together.
 */
public final class ClusterReplicas implements AutoCloseable {
    private static final Pattern MASTER_OFFSET = Pattern.compile("master_repl_offset:(\\d+)");
    private static final Pattern REPLICA_OFFSET = Pattern.compile("slave0:.*offset=(\\d+)");

    private final List<Integer> masters;
    private final List<RedisProcess> replicas = new ArrayList<>();

    private ClusterReplicas(List<Integer> masters) {
        this.masters = masters;
    }

    /** A replica of each master of {@code hosts}, the masters' URLs as {@code quarkus.redis.hosts} lists them. */
    public static ClusterReplicas start(String hosts) {
        List<Integer> masters = new ArrayList<>();
        for (String master : hosts.split(",")) {
            masters.add(URI.create(master.trim()).getPort());
        }
        ClusterReplicas started = new ClusterReplicas(masters);
        try {
            masters.forEach(port -> started.replicas.add(RedisProcess.startReplicaOf(port)));
        } catch (RuntimeException e) {
            started.close();
            throw e;
        }
        return started;
    }

    public void pause() {
        replicas.forEach(RedisProcess::pause);
    }

    public void resume() {
        replicas.forEach(RedisProcess::resume);
    }

    /**
     * Whether every master's replica has acknowledged all its master wrote: from then on, only later writes have
     * anything to wait for.
     */
    public boolean caughtUp() {
        for (int master : masters) {
            try (RespClient client = new RespClient(master)) {
                String info = client.text("INFO", "replication");
                Matcher written = MASTER_OFFSET.matcher(info);
                Matcher acknowledged = REPLICA_OFFSET.matcher(info);
                if (!written.find() || !acknowledged.find() || !written.group(1).equals(acknowledged.group(1))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The port of the master that serves the slot of {@code key}, as the cluster's {@code CLUSTER SLOTS} answers. */
    public int masterOf(String key) {
        try (RespClient client = new RespClient(masters.get(0))) {
            long slot = (Long) client.call("CLUSTER", "KEYSLOT", key);
            for (Object entry : (List<?>) client.call("CLUSTER", "SLOTS")) {
                List<?> range = (List<?>) entry;
                if ((Long) range.get(0) <= slot && slot <= (Long) range.get(1)) {
                    return ((Long) ((List<?>) range.get(2)).get(1)).intValue();
                }
            }
        }
        throw new IllegalStateException("no master serves the slot of " + key);
    }

    /** Resumes the replicas, then stops them. */
    @Override
    public void close() {
        resume();
        replicas.forEach(RedisProcess::close);
    }
}
