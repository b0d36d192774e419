package io.segflow.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster on loopback: {@code masters} {@code redis-server} processes in cluster mode (the same binary
 * as {@link RedisProcess}) sharing the 16,384 hash slots evenly, each with {@code replicasPerMaster} replicas. Set up
 * as {@code redis-cli --cluster create} does: slots assigned, nodes introduced (MEET), replicas attached, then
 * every node waited for until it reports {@code cluster_state:ok} with all slots and all nodes known.
 */
public final class RedisCluster implements AutoCloseable {
    private static final int SLOTS = 16384;

    private final List<RedisProcess> masters;
    private final List<RedisProcess> replicas;
    private final Path dir;

    private RedisCluster(List<RedisProcess> masters, List<RedisProcess> replicas, Path dir) {
        this.masters = masters;
        this.replicas = replicas;
        this.dir = dir;
    }

    public static RedisCluster start(int masters, int replicasPerMaster) {
        Path dir;
        try {
            dir = Files.createTempDirectory("segflow-redis-cluster");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        List<RedisProcess> primaries = new ArrayList<>();
        List<RedisProcess> followers = new ArrayList<>();
        RedisCluster cluster = new RedisCluster(primaries, followers, dir);
        try {
            for (int i = 0; i < masters; i++) {
                primaries.add(RedisProcess.startClusterNode(dir));
            }
            for (int i = 0; i < masters * replicasPerMaster; i++) {
                followers.add(RedisProcess.startClusterNode(dir));
            }
            cluster.form();
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw new IllegalStateException("could not form a Redis Cluster (logs in " + dir + ")", e);
        }
    }

    private void form() {
        List<RedisProcess> all = nodes();
        for (int i = 0; i < masters.size(); i++) {
            try (RespClient master = new RespClient(masters.get(i).port())) {
                // Distinct epochs up front, as redis-cli does: no epoch collision to resolve after the MEETs.
                master.call("CLUSTER", "SET-CONFIG-EPOCH", i + 1);
                master.call("CLUSTER", "ADDSLOTSRANGE", SLOTS * i / masters.size(), SLOTS * (i + 1) / masters.size() - 1);
            }
        }
        try (RespClient first = new RespClient(masters.get(0).port())) {
            for (RedisProcess node : all.subList(1, all.size())) {
                first.call("CLUSTER", "MEET", "127.0.0.1", node.port(), node.busPort());
            }
        }
        awaitEveryNode("knows every node", info -> info.contains("cluster_known_nodes:" + all.size()));
        for (int r = 0; r < replicas.size(); r++) {
            String masterId;
            try (RespClient master = new RespClient(masters.get(r % masters.size()).port())) {
                masterId = master.text("CLUSTER", "MYID");
            }
            try (RespClient replica = new RespClient(replicas.get(r).port())) {
                replica.call("CLUSTER", "REPLICATE", masterId);
            }
        }
        awaitEveryNode("serves every slot", info -> info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:" + SLOTS));
        await(replicas, "replicates its master", "INFO", "replication", info -> info.contains("master_link_status:up"));
    }

    private void awaitEveryNode(String what, java.util.function.Predicate<String> clusterInfo) {
        await(nodes(), what, "CLUSTER", "INFO", clusterInfo);
    }

    private static void await(List<RedisProcess> nodes, String what, String command, String section,
                              java.util.function.Predicate<String> answer) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        for (RedisProcess node : nodes) {
            try (RespClient client = new RespClient(node.port())) {
                while (!answer.test(client.text(command, section))) {
                    if (Instant.now().isAfter(deadline)) {
                        throw new IllegalStateException("node " + node.port() + " never " + what + ": " + client.text(command, section));
                    }
                    sleep(20);
                }
            }
        }
    }

    /** The masters' URLs, comma-separated: the seed list for {@code quarkus.redis.hosts} in cluster mode. */
    public String hosts() {
        return masters.stream().map(RedisProcess::url).collect(Collectors.joining(","));
    }

    public List<RedisProcess> masters() {
        return List.copyOf(masters);
    }

    public List<RedisProcess> nodes() {
        List<RedisProcess> all = new ArrayList<>(masters);
        all.addAll(replicas);
        return all;
    }

    /**
     * Error replies of one kind ({@code CROSSSLOT}, {@code MOVED}, {@code NOSCRIPT}, ...) the nodes have sent since
     * they started, from {@code INFO errorstats}.
     */
    public long errorReplies(String kind) {
        return errorReplies(nodes().stream().map(RedisProcess::port).toList(), kind);
    }

    /**
     * As {@link #errorReplies(String)}, for the nodes of a {@code quarkus.redis.hosts} list: a test reads it from its
     * configuration, since its class loader may hold another copy of {@link TestServices} than the resource's.
     */
    public static long errorReplies(String hosts, String kind) {
        return errorReplies(java.util.Arrays.stream(hosts.split(","))
                .map(url -> Integer.parseInt(url.substring(url.lastIndexOf(':') + 1).trim())).toList(), kind);
    }

    private static long errorReplies(List<Integer> ports, String kind) {
        long total = 0;
        for (int port : ports) {
            try (RespClient client = new RespClient(port)) {
                for (String line : client.text("INFO", "errorstats").split("\r\n")) {
                    if (line.startsWith("errorstat_" + kind + ":count=")) {
                        total += Long.parseLong(line.substring(line.indexOf('=') + 1).trim());
                    }
                }
            }
        }
        return total;
    }

    public List<RedisProcess> replicas() {
        return List.copyOf(replicas);
    }

    /** The master that serves the slot of {@code key} now, as a live node's {@code CLUSTER SLOTS} answers. */
    public RedisProcess masterOf(String key) {
        RedisProcess live = nodes().stream().filter(RedisCluster::alive).findFirst().orElseThrow();
        try (RespClient client = new RespClient(live.port())) {
            long slot = (Long) client.call("CLUSTER", "KEYSLOT", key);
            for (Object entry : (List<?>) client.call("CLUSTER", "SLOTS")) {
                List<?> range = (List<?>) entry;
                if ((Long) range.get(0) <= slot && slot <= (Long) range.get(1)) {
                    int port = ((Long) ((List<?>) range.get(2)).get(1)).intValue();
                    return nodes().stream().filter(node -> node.port() == port).findFirst().orElseThrow();
                }
            }
        }
        throw new IllegalStateException("no node serves the slot of " + key);
    }

    /** The nodes that replicate {@code master} now ({@code INFO replication} of each live replica). */
    public List<RedisProcess> replicasOf(RedisProcess master) {
        List<RedisProcess> of = new ArrayList<>();
        for (RedisProcess node : nodes()) {
            if (node != master && alive(node) && replication(node).contains("master_port:" + master.port() + "\r\n")) {
                of.add(node);
            }
        }
        return of;
    }

    /**
     * The node's replication offset: {@code master_repl_offset} of a master, the offset a replica has processed of
     * its master's stream ({@code slave_repl_offset}) for a replica. Compared just before a master dies, the
     * difference is the bytes of acknowledged writes its replica never got.
     */
    public long replicationOffset(RedisProcess node) {
        String info = replication(node);
        String field = info.contains("role:slave") ? "slave_repl_offset:" : "master_repl_offset:";
        for (String line : info.split("\r\n")) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).trim());
            }
        }
        throw new IllegalStateException("no " + field + " in " + info);
    }

    /**
     * Closes the replication links of {@code master} ({@code CLIENT KILL TYPE replica}): what it writes from now on
     * reaches no replica until one reconnects. With the replica stopped (SIGSTOP) meanwhile, the master goes on
     * acknowledging writes its replica will never have: the lag an asynchronous replica can have when its master dies.
     */
    public void cutReplicationLinks(RedisProcess master) {
        try (RespClient client = new RespClient(master.port())) {
            client.call("CLIENT", "KILL", "TYPE", "replica");
        }
    }

    /** SIGKILL, as a crashed host or an OOM kill: no shutdown, nothing handed over; waits until the process is gone. */
    public void kill(RedisProcess node) {
        ProcessHandle.of(node.pid()).ifPresent(process -> {
            process.destroyForcibly();
            process.onExit().join();
        });
    }

    /**
     * Waits until a replica of the killed {@code master} has been promoted (the cluster's own failover: the other
     * masters mark it failed after {@code cluster-node-timeout}, its replica wins the election) and every live node
     * reports {@code cluster_state:ok} with all slots served; returns the promoted replica.
     */
    public RedisProcess awaitFailover(RedisProcess master, List<RedisProcess> itsReplicas, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        List<RedisProcess> live = nodes().stream().filter(node -> node != master && alive(node)).toList();
        while (true) {
            for (RedisProcess replica : itsReplicas) {
                if (alive(replica) && replication(replica).contains("role:master") && live.stream().allMatch(node -> {
                    try (RespClient client = new RespClient(node.port())) {
                        String info = client.text("CLUSTER", "INFO");
                        return info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:" + SLOTS);
                    }
                })) {
                    return replica;
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("no replica of " + master.url() + " took over within " + timeout + " (logs in " + dir + ")");
            }
            sleep(20);
        }
    }

    private static String replication(RedisProcess node) {
        try (RespClient client = new RespClient(node.port())) {
            return client.text("INFO", "replication");
        }
    }

    private static boolean alive(RedisProcess node) {
        return ProcessHandle.of(node.pid()).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Keys stored per master, by URL: how the data spread over the shards. */
    public java.util.Map<String, Long> keysPerMaster() {
        java.util.Map<String, Long> keys = new java.util.LinkedHashMap<>();
        for (RedisProcess master : masters) {
            try (RespClient client = new RespClient(master.port())) {
                keys.put(master.url(), (Long) client.call("DBSIZE"));
            }
        }
        return keys;
    }

    @Override
    public void close() {
        nodes().forEach(RedisProcess::close);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
