package io.segflow.segment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.segflow.core.Topics;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * Publishes the outboxes a wave claimed ({@link Outbox}) to {@code segflow.segment-changes}, keyed by user: all
 * of them in one Kafka transaction, then trims them in one pipeline, and goes on with the records other paths
 * appended meanwhile until every claimed outbox is empty. Before sending, each outbox's sending marker names the
 * transactional producer ({@link ChangeLog}); a drainer that finds a marker (its predecessor crashed, or stalled
 * past its lease) fences that producer and skips the records it committed ({@link PublishedChanges}). So each
 * change reaches read_committed consumers once, whatever the drainers' timing.
 */
@ApplicationScoped
public class ChangePublisher {
    private static final Logger LOG = Logger.getLogger(ChangePublisher.class);

    private final ChangeLog log;
    private final Outbox outbox;
    private final RedisPipeline pipeline;
    private final Counter takenOver;
    private final PublishedChanges published;
    private final ChangeTracing tracing;

    ChangePublisher(ChangeLog log, Outbox outbox, RedisPipeline pipeline, PublishedChanges published,
                    ChangeTracing tracing, MeterRegistry metrics) {
        this.log = log;
        this.outbox = outbox;
        this.pipeline = pipeline;
        this.published = published;
        this.tracing = tracing;
        this.takenOver = metrics.counter("segflow.outbox.leases.lost");
    }

    /** {@link #deliverAll(List, Function)}, the records carrying the current trace. */
    public void deliverAll(List<? extends Outbox.Claim> claims) {
        Span current = Span.current();
        deliverAll(claims, user -> current);
    }

    /**
     * Publishes the {@link Outbox.Claimed} outboxes until they are empty; the other claims have nothing for us. A
     * user's records carry the trace of {@code spanOf(user)}: what caused them.
     */
    public void deliverAll(List<? extends Outbox.Claim> claims, Function<String, Span> spanOf) {
        List<Outbox.Claimed> round = claimed(claims);
        if (round.isEmpty()) {
            return;
        }
        ChangeLog.Writer writer;
        try {
            writer = log.writer();
        } catch (RuntimeException e) {
            release(round, e);
            throw e;
        }
        try (writer) {
            while (!round.isEmpty()) {
                round = publish(round, writer, spanOf);
            }
        }
    }

    /** One round: skip what a stopped drainer committed, name our writer, send, trim. Returns the records appended meanwhile. */
    private List<Outbox.Claimed> publish(List<Outbox.Claimed> claimed, ChangeLog.Writer writer, Function<String, Span> spanOf) {
        List<Outbox.Claimed> round = new ArrayList<>(claimed.size());
        try {
            List<List<String>> unsent = claimed.stream().map(c -> unsent(c, writer)).toList();
            List<Response> begun = pipeline.run(claimed.stream().map(c -> outbox.beginRequest(c, writer.transactionalId())).toList(),
                    Outbox.BEGIN);
            List<ProducerRecord<String, String>> records = new ArrayList<>();
            for (int i = 0; i < claimed.size(); i++) {
                Outbox.Claimed c = claimed.get(i);
                if (begun.get(i).toLong() < 0) {
                    lost(c.user()); // it is the new holder's to publish, all of it
                    continue;
                }
                round.add(c);
                // In order: one transaction keeps a partition's order, so a user's records go out by version.
                Span cause = spanOf.apply(c.user());
                unsent.get(i).forEach(record -> records.add(record(c.user(), record, cause)));
            }
            if (!records.isEmpty()) {
                writer.send(records);
            }
        } catch (RuntimeException e) {
            release(claimed, e); // only our own leases: the lost ones are another drainer's
            throw e;
        }
        List<Response> replies = pipeline.run(round.stream().map(outbox::ackRequest).toList(), Outbox.ACK);
        List<Outbox.Claim> next = new ArrayList<>(round.size());
        for (int i = 0; i < round.size(); i++) {
            Outbox.Claim after = Outbox.afterAck(round.get(i), replies.get(i));
            if (after instanceof Outbox.TakenOver) {
                lost(after.user());
            }
            next.add(after);
        }
        return claimed(next);
    }

    /** The claimed records, less those a stopped drainer committed to Kafka (the ack still trims them all). */
    private List<String> unsent(Outbox.Claimed claimed, ChangeLog.Writer writer) {
        Outbox.Unfinished unfinished = claimed.unfinished();
        if (unfinished == null) {
            return claimed.records();
        }
        if (!unfinished.producer().isEmpty()) {
            log.fence(unfinished.producer(), writer); // first: it must not commit after we looked
        }
        Set<String> onKafka = published.alreadyPublished(claimed.user(), claimed.records(), unfinished.since());
        return claimed.records().stream().filter(record -> !onKafka.contains(record)).toList();
    }

    private ProducerRecord<String, String> record(String user, String change, Span cause) {
        ProducerRecord<String, String> record = new ProducerRecord<>(Topics.SEGMENT_CHANGES, user, change);
        tracing.inject(cause, record.headers()); // the trace of the event or wake that caused it goes on with its consumers
        return record;
    }

    private void lost(String user) {
        takenOver.increment();
        LOG.warnf("The outbox lease of user %s ended before its changes were published: the drainer that took it over "
                + "publishes them (raise segflow.outbox.lease if this recurs)", user);
    }

    /**
     * Kafka failed (the transaction, if any, is aborted) or the takeover check did: give the leases back, so that the
     * retry (or another path) claims them at once. A marker we wrote stays: the next claimer fences our producer.
     */
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
