package io.segflow.trigger.fire;

import io.quarkus.redis.datasource.RedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Redis commands sent together instead of a round trip each. On one Redis server every command of the batch goes in
 * one pipeline on one connection: each connection in use costs a hand-off to an event loop and back, which is most of
 * what a small batch costs. On a Redis Cluster the commands of one hash tag go as one pipeline to the master of the
 * tag's slot, the tags' pipelines side by side. A batch of writes wraps each pipeline in one MULTI/EXEC: its writes
 * apply all or none, like the per-firing transactions.
 */
public final class RedisBatch {
    /** The data source's default command timeout. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Commands per pipeline: a connection takes at most 2048 awaiting answers (the client's waiting handlers). */
    private static final int PIPELINE = 1000;

    /** The answer of one command, readable once the batch is sent; null for a nil answer. */
    public static final class Reply {
        private Response value;
        private boolean answered;

        public Response get() {
            if (!answered) {
                throw new IllegalStateException("the batch was not sent");
            }
            return value;
        }
    }

    /** The one pipeline of a batch on one Redis server. */
    private static final String ONE_SERVER = "";

    private final Redis redis;
    private final boolean cluster;
    private final boolean transactional;
    /** Null: writes do not wait for replicas. */
    private final ReplicaWait replicaWait;
    /** Per pipeline (one, or one per tag on a cluster), groups of commands sent (written) together. */
    private final Map<String, List<List<Request>>> commands = new LinkedHashMap<>();
    private final Map<String, List<List<Reply>>> replies = new LinkedHashMap<>();
    private final List<Runnable> afterSend = new ArrayList<>();

    private RedisBatch(RedisDataSource redis, boolean cluster, boolean transactional, ReplicaWait replicaWait) {
        this.redis = redis.getReactive().getRedis();
        this.cluster = cluster;
        this.transactional = transactional;
        this.replicaWait = replicaWait;
    }

    /** Reads: each command's answer comes back in its {@link Reply}. {@code cluster}: Redis is a Redis Cluster. */
    public static RedisBatch reads(RedisDataSource redis, boolean cluster) {
        return new RedisBatch(redis, cluster, false, null);
    }

    /**
     * Writes: one MULTI/EXEC per pipeline (per hash tag on a Redis Cluster), each followed by {@code replicaWait}'s
     * WAIT on its connection (a Redis Cluster sends the keyless WAIT with the pipeline, to the master of its slot);
     * null waits for no replica.
     */
    static RedisBatch writes(RedisDataSource redis, boolean cluster, ReplicaWait replicaWait) {
        return new RedisBatch(redis, cluster, true, replicaWait);
    }

    /** Adds a command whose keys all carry hash tag {@code tag}. */
    public Reply add(String tag, Request request) {
        return add(tag, List.of(request)).get(0);
    }

    /** Adds commands on keys of hash tag {@code tag} that are sent in one pipeline, and written in one transaction. */
    public List<Reply> add(String tag, List<Request> group) {
        List<Reply> answers = new ArrayList<>(group.size());
        group.forEach(r -> answers.add(new Reply()));
        String pipeline = cluster ? tag : ONE_SERVER;
        commands.computeIfAbsent(pipeline, t -> new ArrayList<>()).add(group);
        replies.computeIfAbsent(pipeline, t -> new ArrayList<>()).add(answers);
        return answers;
    }

    /** Runs {@code action} once the batch has been sent successfully (counting what it stored, follow-up work). */
    public void afterSend(Runnable action) {
        afterSend.add(action);
    }

    /** Sends every command and waits for all answers; throws if any pipeline's commands failed. */
    public void send() {
        List<Uni<Void>> sent = new ArrayList<>();
        commands.forEach((pipeline, groups) -> {
            List<List<Reply>> answers = replies.get(pipeline);
            List<Request> chunk = new ArrayList<>();
            List<Reply> chunkAnswers = new ArrayList<>();
            for (int i = 0; i < groups.size(); i++) {
                if (!chunk.isEmpty() && chunk.size() + groups.get(i).size() > PIPELINE) {
                    sent.add(send(chunk, chunkAnswers));
                    chunk = new ArrayList<>();
                    chunkAnswers = new ArrayList<>();
                }
                chunk.addAll(groups.get(i));
                chunkAnswers.addAll(answers.get(i));
            }
            sent.add(send(chunk, chunkAnswers));
        });
        if (!sent.isEmpty()) {
            Uni.join().all(sent).andFailFast().await().atMost(TIMEOUT);
        }
        commands.clear();
        replies.clear();
        List<Runnable> actions = List.copyOf(afterSend);
        afterSend.clear();
        actions.forEach(Runnable::run);
    }

    private Uni<Void> send(List<Request> requests, List<Reply> answers) {
        if (!transactional) {
            return redis.batch(requests).map(responses -> {
                fill(answers, responses);
                return null;
            });
        }
        List<Request> wrapped = new ArrayList<>(requests.size() + 2);
        wrapped.add(Request.cmd(Command.MULTI));
        wrapped.addAll(requests);
        wrapped.add(Request.cmd(Command.EXEC));
        boolean waiting = replicaWait != null && replicaWait.waiting();
        if (waiting) {
            wrapped.add(Request.cmd(Command.WAIT).arg(replicaWait.acks()).arg(replicaWait.timeoutMillis()));
        }
        return redis.batch(wrapped).map(responses -> {
            Response exec = responses.get(responses.size() - (waiting ? 2 : 1));
            if (exec == null) {
                throw new IllegalStateException("Redis aborted the transaction");
            }
            List<Response> results = new ArrayList<>(exec.size());
            exec.forEach(results::add);
            fill(answers, results);
            if (waiting) {
                replicaWait.acknowledged(responses.get(responses.size() - 1).toInteger());
            }
            return null;
        });
    }

    private static void fill(List<Reply> answers, List<Response> responses) {
        for (int i = 0; i < answers.size(); i++) {
            Response response = responses.get(i);
            if (response != null && response.type() == ResponseType.ERROR) {
                throw new IllegalStateException("Redis answered " + response);
            }
            answers.get(i).value = response;
            answers.get(i).answered = true;
        }
    }
}
