package io.segflow.segment;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/** The outbox scripts one call at a time, as the tests drive them (production pipelines them per wave). */
@ApplicationScoped
class OutboxScripts {
    private final Outbox outbox;
    private final RedisPipeline pipeline;

    OutboxScripts(Outbox outbox, RedisPipeline pipeline) {
        this.outbox = outbox;
        this.pipeline = pipeline;
    }

    Outbox.Claim claim(String user, String token) {
        return claimAll(token, user).get(0);
    }

    /** One drainer's claims (one token), in one pipeline, as a wave claims. */
    List<Outbox.Claim> claimAll(String token, String... users) {
        var replies = pipeline.run(Arrays.stream(users).map(user -> outbox.claimRequest(user, token)).toList(), Outbox.CLAIM);
        long now = System.currentTimeMillis();
        return IntStream.range(0, users.length)
                .mapToObj(i -> Outbox.claimOf(users[i], token, replies.get(i), now)).toList();
    }

    /** begin-publish.lua: whether the lease was still ours (and the marker now names {@code producer}). */
    boolean begin(Outbox.Claimed claimed, String producer) {
        return pipeline.run(List.of(outbox.beginRequest(claimed, producer)), Outbox.BEGIN).get(0).toLong() > 0;
    }

    Outbox.Claim ack(Outbox.Claimed published) {
        return Outbox.afterAck(published, pipeline.run(List.of(outbox.ackRequest(published)), Outbox.ACK).get(0));
    }

    void release(Outbox.Claimed claimed) {
        pipeline.run(List.of(outbox.releaseRequest(claimed)), Outbox.RELEASE);
    }
}
