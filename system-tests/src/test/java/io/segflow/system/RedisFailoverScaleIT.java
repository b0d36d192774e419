package io.segflow.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.segflow.core.Topics;
import io.segflow.core.json.Json;
import io.segflow.core.membership.SegmentChange;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.state.Partitioning;
import io.segflow.core.state.UserRecord;
import io.segflow.core.state.UserRecordCodec;
import io.segflow.system.TickSegments.TickSegment;
import io.segflow.testkit.EmbeddedKafka;
import io.segflow.testkit.RedisCluster;
import io.segflow.testkit.RedisProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Redis Cluster failover under load, as production runs Redis (three masters, one replica each): ingest,
 * segment- and api-function on a cluster of three masters with a replica each, steady events through ingest, then
 * one master holding partitions' state (their users and their share of the member indexes) is killed with SIGKILL and its replica
 * promoted by the cluster itself. Once the load stops, every event ingest acknowledged counts exactly once in its
 * user's stored record and in the api's profile, memberships and member indexes are what the counts imply, and
 * every function is ready again. Prints how long the failover and the recovery of processing took.
 *
 * <p>Why exactly once should hold: a partition's users and the offset they account for are written by one script on
 * one slot, so a master (and any replica, which holds a prefix of its master's writes) has either both or neither
 * of a round; a round whose flush fails (the master gone) drops the partitions' users from memory and claims them
 * again from what the promoted replica holds, seeking to its stored offset.
 *
 * <p>On loopback a replica is all but never behind when its master dies, so the test makes it so: the replica is
 * stopped (SIGSTOP) and its link cut {@code -Dfailover.replica-pause-ms} (1000; 0 for a replica in step) before the
 * kill, so it is promoted without the last second of writes its master acknowledged. Counts, stored memberships and
 * member indexes stay exact (the index entries are written by the partitions' scripts); a change decided again after
 * the rollback is published again with the same version, segment and cause, stamped with the later time it was
 * decided again (see docs/operations.md#redis-cluster).
 */
class RedisFailoverScaleIT {
    private static final Duration READY = Duration.ofSeconds(90);
    private static final String WRITE_KEY = "failover-write-key";
    private static final String ADMIN_KEY = "failover-admin-key";
    private static final String SERVER_KEY = "failover-server-key-0123456789";
    private static final int PARTITIONS = ClusterStack.PARTITIONS;
    private static final int USERS = 300;
    private static final int EVENTS_PER_SECOND = 300;
    /** The partition whose master is killed: {@code {p2}} shares a master with {@code {p6}} and {@code {p10}}. */
    private static final int KILLED_PARTITION = 2;
    /** How long the replica is cut off before its master is killed: the writes it lacks when promoted (0: none). */
    private static final long REPLICA_PAUSE_MS = Long.getLong("failover.replica-pause-ms", 1000);

    private static ClusterStack stack;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static EmbeddedKafka kafka;
    private static RedisCluster cluster;
    private static GroupOffsets offsets;
    private static FunctionProcess ingest;
    private static FunctionProcess api;

    @BeforeAll
    static void startStack() throws Exception {
        stack = ClusterStack.start("failover", 3, 1);
        kafka = stack.kafka;
        cluster = stack.cluster;
        offsets = new GroupOffsets(kafka.bootstrapServers());
        ingest = stack.start("ingest-function", Map.of("SEGFLOW_WRITE_KEYS", "web:" + WRITE_KEY));
        stack.start("segment-function", Map.of("SEGFLOW_INSTANCE_ID", "failover-segment"));
        api = stack.start("api-function", Map.of("SEGFLOW_ADMIN_KEY", ADMIN_KEY, "SEGFLOW_SERVER_KEYS", SERVER_KEY,
                "SEGFLOW_TOKENS_SECRET", FaultStack.TOKENS_SECRET));
        stack.awaitAllReady(READY);
        for (TickSegment tick : TickSegments.ALL) {
            HttpResponse<String> saved = send(HttpRequest.newBuilder(URI.create(api.url() + "/v1/segments/" + tick.id()))
                    .header("Authorization", "Bearer " + ADMIN_KEY).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("name", tick.id(), "condition", tick.condition())))));
            assertThat(saved.statusCode()).as("PUT segment %s: %s", tick.id(), saved.body()).isEqualTo(201);
        }
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (offsets != null) {
            offsets.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aKilledMastersReplicaTakesOverAndEveryAcknowledgedEventCountsOnce() throws Exception {
        RedisProcess doomed = cluster.masterOf(RedisKeys.partitionState(KILLED_PARTITION));
        List<RedisProcess> itsReplicas = cluster.replicasOf(doomed);
        assertThat(itsReplicas).as("replicas of " + doomed.url()).hasSize(1);
        List<Integer> doomedPartitions = IntStream.range(0, PARTITIONS)
                .filter(p -> cluster.masterOf(RedisKeys.partitionState(p)) == doomed).boxed().toList();
        String evidence = " (logs: " + FunctionProcess.root().resolve("system-tests/target/function-logs") + "/failover-*)";

        try (SteadyLoad load = SteadyLoad.start(ingest.url(), WRITE_KEY, "failover-user-", USERS, EVENTS_PER_SECOND)) {
            // Under way: the doomed master holds state of its partitions, and the engine commits past it.
            await("state on " + doomed.url() + evidence).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> offsets.lag(EngineProgress.GROUP, Topics.EVENTS) < EVENTS_PER_SECOND
                            && cluster.keysPerMaster().get(doomed.url()) > 50);
            Thread.sleep(5_000);

            long pause = REPLICA_PAUSE_MS;
            if (pause > 0) {
                Signals.stop(itsReplicas.get(0).pid());
                cluster.cutReplicationLinks(doomed);
                Thread.sleep(pause);
            }
            // The replica's offset first, then the master's: an upper bound of what the replica lacks at the kill.
            long replicaOffset = pause > 0 ? -1 : cluster.replicationOffset(itsReplicas.get(0));
            long masterOffset = cluster.replicationOffset(doomed);
            Instant killed = Instant.now();
            cluster.kill(doomed);
            if (pause > 0) {
                Signals.resume(itsReplicas.get(0).pid());
                replicaOffset = cluster.replicationOffset(itsReplicas.get(0));
            }
            Map<TopicPartition, Long> endAtKill = offsets.endOffsets(Topics.EVENTS);
            long deliveredAtKill = load.deliveredCount();
            long lagBytes = masterOffset - replicaOffset;

            RedisProcess promoted = cluster.awaitFailover(doomed, itsReplicas, Duration.ofSeconds(30));
            Duration promotion = Duration.between(killed, Instant.now());
            // Processing again: the partitions of the dead master have committed events produced after the kill, which
            // the engine committed only once it had stored them on the promoted replica.
            Map<TopicPartition, Long> pastKill = doomedPartitions.stream().map(p -> new TopicPartition(Topics.EVENTS, p))
                    .collect(Collectors.toMap(tp -> tp, tp -> endAtKill.get(tp) + 1));
            await("processing after the failover" + evidence).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                    .ignoreExceptions().until(() -> offsets.committedUpTo(EngineProgress.GROUP, pastKill));
            Duration recovery = Duration.between(killed, Instant.now());
            System.out.printf("RedisFailoverScaleIT: killed %s (partitions %s; %d events acknowledged so far; its replica "
                            + "at most %d bytes behind%s) at %s; %s promoted after %.1f s; events processed again after %.1f s%n",
                    doomed.url(), doomedPartitions, deliveredAtKill, lagBytes,
                    pause > 0 ? ", stopped and cut off " + pause + " ms before the kill" : "", killed, promoted.url(),
                    promotion.toMillis() / 1000.0, recovery.toMillis() / 1000.0);

            Thread.sleep(5_000); // the load goes on on the new topology
            load.stop();
            assertThat(load.undelivered()).as("events ingest never acknowledged").isZero();
            System.out.printf("RedisFailoverScaleIT: %d events acknowledged for %d users; ingest answers: %s%n",
                    load.deliveredCount(), load.delivered().size(), load.answers());

            List<String> users = load.users();
            Map<String, Long> delivered = load.delivered();
            List<String> live = cluster.nodes().stream().filter(node -> node != doomed).map(RedisProcess::url).toList();
            try (ClusterRecords records = new ClusterRecords(live)) {
                await("every acknowledged event processed" + evidence).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .ignoreExceptions().untilAsserted(() -> {
                            assertThat(offsets.lag(EngineProgress.GROUP, Topics.EVENTS)).as("segment-function's lag").isZero();
                            Map<String, UserRecord> stored = records.users(users);
                            assertThat(users).as("users whose stored count is short")
                                    .filteredOn(user -> ticks(stored.get(user)) < delivered.getOrDefault(user, 0L)).isEmpty();
                        });
                assertExact(users, delivered, records.users(users), records, evidence);
            }
            assertApiReads(users, delivered, evidence);
            // Every function ready again (segment-function reports failing rounds on its readiness).
            for (FunctionProcess function : stack.functions) {
                function.awaitReady(Duration.ofSeconds(30));
            }
            assertThat(RedisCluster.errorReplies(String.join(",", live), "CROSSSLOT")).as("CROSSSLOT replies").isZero();
            for (FunctionProcess function : stack.functions) {
                assertThat(Files.readString(function.log())).as("log of %s", function.url()).doesNotContain("CROSSSLOT");
            }
        }
    }

    private static void assertExact(List<String> users, Map<String, Long> delivered, Map<String, UserRecord> stored,
                                    ClusterRecords records, String evidence) {
        Map<String, String> wrongCounts = new TreeMap<>();
        Map<String, String> wrongMemberships = new TreeMap<>();
        for (String user : users) {
            long expected = delivered.getOrDefault(user, 0L);
            if (ticks(stored.get(user)) != expected) {
                wrongCounts.put(user, "partition " + Partitioning.partitionOf(user, PARTITIONS) + ": acknowledged " + expected
                        + ", stored " + ticks(stored.get(user)));
            }
            Set<String> segments = stored.containsKey(user) ? stored.get(user).memberships().since().keySet() : Set.of();
            if (!segments.equals(TickSegments.at(expected))) {
                wrongMemberships.put(user, "expected " + TickSegments.at(expected) + ", stored " + segments);
            }
        }
        // Every check reported at once: which of them a failover breaks is the finding.
        SoftAssertions checks = new SoftAssertions();
        checks.assertThat(wrongCounts).as("users whose stored count is not the events ingest acknowledged for them" + evidence).isEmpty();
        checks.assertThat(wrongMemberships).as("users whose stored memberships are not what their count implies" + evidence).isEmpty();
        Set<String> ours = Set.copyOf(users);
        Map<String, String> wrongIndexes = new TreeMap<>();
        for (TickSegment tick : TickSegments.ALL) {
            Set<String> expected = users.stream().filter(user -> tick.holdsAt(delivered.getOrDefault(user, 0L))).collect(Collectors.toSet());
            Set<String> indexed = records.members(tick.id()).stream().filter(ours::contains).collect(Collectors.toSet());
            String missing = difference(expected, indexed, delivered);
            String extra = difference(indexed, expected, delivered);
            if (!missing.isEmpty() || !extra.isEmpty()) {
                wrongIndexes.put(tick.id(), "missing " + missing + "; listed but not members " + extra);
            }
        }
        checks.assertThat(wrongIndexes).as("stored member indexes that differ from the counts (user: partition/acknowledged events)" + evidence).isEmpty();

        Map<String, List<SegmentChange>> changes = ChangeLog.read(kafka.bootstrapServers(), ours::contains);
        Map<String, List<String>> wrongHistories = new TreeMap<>();
        for (String user : users) {
            List<SegmentChange> published = changes.getOrDefault(user, List.of());
            if (stored.containsKey(user)) {
                List<String> problems = ChangeHistory.problems(published, stored.get(user).memberships(),
                        TickSegments.transitionsUpTo(delivered.getOrDefault(user, 0L)),
                        REPLICA_PAUSE_MS > 0 ? ChangeHistory.Republished.REDECIDED : ChangeHistory.Republished.IDENTICAL);
                if (!problems.isEmpty()) {
                    wrongHistories.put(user + " (partition " + Partitioning.partitionOf(user, PARTITIONS) + ")", problems);
                }
            } else if (!published.isEmpty()) {
                wrongHistories.put(user, List.of("changes published for a user with no stored record: " + published));
            }
        }
        checks.assertThat(wrongHistories).as("users whose change records are not a gapless history in version order" + evidence).isEmpty();
        checks.assertAll();
    }

    private static String difference(Set<String> these, Set<String> those, Map<String, Long> delivered) {
        List<String> only = these.stream().filter(user -> !those.contains(user)).sorted()
                .map(user -> user + ": p" + Partitioning.partitionOf(user, PARTITIONS) + "/" + delivered.getOrDefault(user, 0L))
                .toList();
        return only.isEmpty() ? "" : only.toString();
    }

    /** The api reads the counts and memberships the events imply: profile, segments, and each segment's members. */
    private static void assertApiReads(List<String> users, Map<String, Long> delivered, String evidence) throws Exception {
        Map<String, String> wrong = new TreeMap<>();
        for (String user : users) {
            long expected = delivered.getOrDefault(user, 0L);
            HttpResponse<String> profile = send(HttpRequest.newBuilder(URI.create(api.url() + "/v1/users/" + user + "/profile"))
                    .header("Authorization", "Bearer " + SERVER_KEY));
            HttpResponse<String> segments = send(HttpRequest.newBuilder(URI.create(api.url() + "/v1/users/" + user + "/segments"))
                    .header("Authorization", "Bearer " + SERVER_KEY));
            long count = profile.statusCode() == 200 ? Json.read(profile.body(), JsonNode.class).path("counts").path(SteadyLoad.EVENT).asLong(0) : -1;
            Set<String> ids = new HashSet<>();
            if (segments.statusCode() == 200) {
                Json.read(segments.body(), JsonNode.class).get("segments").forEach(s -> ids.add(s.get("id").asText()));
            }
            if (count != expected || !ids.equals(TickSegments.at(expected))) {
                wrong.put(user, "acknowledged " + expected + "; profile " + profile.statusCode() + " count " + count
                        + "; segments " + segments.statusCode() + " " + ids);
            }
        }
        assertThat(wrong).as("users the api reads differently from their acknowledged events" + evidence).isEmpty();
        Set<String> ours = Set.copyOf(users);
        for (TickSegment tick : TickSegments.ALL) {
            HttpResponse<String> page = send(HttpRequest.newBuilder(URI.create(api.url() + "/v1/segments/" + tick.id() + "/members?limit=1000"))
                    .header("Authorization", "Bearer " + ADMIN_KEY));
            assertThat(page.statusCode()).as("members of %s: %s", tick.id(), page.body()).isEqualTo(200);
            JsonNode body = Json.read(page.body(), JsonNode.class);
            assertThat(body.has("nextCursor") && !body.get("nextCursor").isNull()).as("one page of members").isFalse();
            Set<String> members = new HashSet<>();
            body.get("members").forEach(m -> members.add(m.get("userId").asText()));
            Set<String> expected = users.stream().filter(user -> tick.holdsAt(delivered.getOrDefault(user, 0L))).collect(Collectors.toSet());
            assertThat(members.stream().filter(ours::contains).collect(Collectors.toSet()))
                    .as("members of %s the api lists%s", tick.id(), evidence).isEqualTo(expected);
        }
    }

    private static long ticks(UserRecord record) {
        return record == null ? 0 : record.profile().count(SteadyLoad.EVENT);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The stored records and member indexes, read from the cluster (a cluster client: each key from its master). */
    private static final class ClusterRecords implements AutoCloseable {
        private final Vertx vertx = Vertx.vertx();
        private final Redis redis;

        ClusterRecords(List<String> nodes) {
            RedisOptions options = new RedisOptions().setType(RedisClientType.CLUSTER).setMaxPoolSize(16).setMaxPoolWaiting(256);
            nodes.forEach(options::addConnectionString);
            redis = Redis.createClient(vertx, options);
        }

        Map<String, UserRecord> users(List<String> users) {
            Map<String, UserRecord> records = new HashMap<>();
            for (int from = 0; from < users.size(); from += 16) { // a few at a time: the pools stay small
                List<String> some = users.subList(from, Math.min(users.size(), from + 16));
                List<Future<Response>> gets = some.stream()
                        .map(user -> redis.send(Request.cmd(Command.GET).arg(RedisKeys.user(Partitioning.partitionOf(user, PARTITIONS), user))))
                        .toList();
                for (int i = 0; i < some.size(); i++) {
                    Response value = await(gets.get(i));
                    if (value != null) {
                        records.put(some.get(i), UserRecordCodec.decode(some.get(i), value.toBytes()));
                    }
                }
            }
            return records;
        }

        /** The segment's member index: the union of its partitions' sets. */
        Set<String> members(String segmentId) {
            Set<String> members = new HashSet<>();
            for (int partition = 0; partition < PARTITIONS; partition++) {
                for (Response member : await(redis.send(Request.cmd(Command.ZRANGE).arg(RedisKeys.segmentMembers(partition, segmentId)).arg(0).arg(-1)))) {
                    members.add(member.toString());
                }
            }
            return members;
        }

        private static <T> T await(Future<T> future) {
            try {
                return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("the cluster did not answer", e);
            }
        }

        @Override
        public void close() {
            redis.close();
            await(vertx.close());
        }
    }
}
