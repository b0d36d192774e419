package io.segflow.segment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/**
 * Publishes the outboxes a wave claimed ({@link Outbox}) to {@code segflow.segment-changes}, keyed by user: all
 * of them at once, waits for the acks, trims them in one pipeline, and goes on with the records other paths
 * appended meanwhile until every claimed outbox is empty. A drainer that stopped after it began publishing and
 * before it trimmed (a crash) leaves a marker: whoever claims the outbox next skips the records already on Kafka
 * ({@link PublishedChanges}). Only a drainer slower than its lease can still have a record published twice.
 */
@ApplicationScoped
public class ChangePublisher {
    private static final Logger LOG = Logger.getLogger(ChangePublisher.class);

    private final MutinyEmitter<Record<String, String>> changes;
    private final Outbox outbox;
    private final RedisPipeline pipeline;
    private final Counter takenOver;
    private final PublishedChanges published;

    ChangePublisher(@Channel("segment-changes") MutinyEmitter<Record<String, String>> changes, Outbox outbox,
                    RedisPipeline pipeline, PublishedChanges published, MeterRegistry metrics) {
        this.changes = changes;
        this.outbox = outbox;
        this.pipeline = pipeline;
        this.published = published;
        this.takenOver = metrics.counter("segflow.outbox.leases.lost");
    }

    /** Publishes the {@link Outbox.Claimed} outboxes until they are empty; the other claims have nothing for us. */
    public void deliverAll(List<? extends Outbox.Claim> claims) {
        List<Outbox.Claimed> round = claimed(claims);
        while (!round.isEmpty()) {
            round = publish(round);
        }
    }

    /** One round: publish, await the acks, trim. Returns the records appended meanwhile, still under our leases. */
    private List<Outbox.Claimed> publish(List<Outbox.Claimed> round) {
        List<Uni<Void>> sends = new ArrayList<>();
        // In order: the producer keeps a partition's order, so a user's records go out by version.
        round.forEach(claimed -> toSend(claimed).forEach(record -> sends.add(changes.send(Record.of(claimed.user(), record)))));
        try {
            Uni.join().all(sends).andFailFast().await().indefinitely();
        } catch (RuntimeException e) {
            release(round, e);
            throw e;
        }
        List<Response> replies = pipeline.run(round.stream().map(outbox::ackRequest).toList(), Outbox.ACK);
        List<Outbox.Claim> next = new ArrayList<>(round.size());
        for (int i = 0; i < round.size(); i++) {
            Outbox.Claim after = Outbox.afterAck(round.get(i), replies.get(i));
            if (after instanceof Outbox.TakenOver) {
                takenOver.increment();
                LOG.warnf("Publishing the changes of user %s took longer than the outbox lease: another drainer took "
                        + "over and publishes them again", after.user());
            }
            next.add(after);
        }
        return claimed(next);
    }

    /** The claimed records, less those a stopped drainer got onto Kafka (the ack still trims them all). */
    private List<String> toSend(Outbox.Claimed claimed) {
        if (claimed.sendingSince() < 0) {
            return claimed.records();
        }
        Set<String> onKafka = published.alreadyPublished(claimed.user(), claimed.records(), claimed.sendingSince());
        return claimed.records().stream().filter(record -> !onKafka.contains(record)).toList();
    }

    /** Kafka failed: give the leases back, so that the retry (or another path) claims them at once. */
    private void release(List<Outbox.Claimed> round, RuntimeException cause) {
        try {
            pipeline.run(round.stream().map(outbox::releaseRequest).toList(), Outbox.RELEASE);
        } catch (RuntimeException e) {
            cause.addSuppressed(e); // the leases end by themselves
        }
    }

    private static List<Outbox.Claimed> claimed(List<? extends Outbox.Claim> claims) {
        return claims.stream().filter(Outbox.Claimed.class::isInstance).map(Outbox.Claimed.class::cast).toList();
    }
}
