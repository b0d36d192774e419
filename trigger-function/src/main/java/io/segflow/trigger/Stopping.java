package io.segflow.trigger;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The start and the end of a stop (SIGTERM), around the dispatcher's. The start pauses the Kafka consumers, so that
 * batches are not fetched to fail once Quarkus has closed the Redis client (it closes it before the consumers). A
 * consumer pauses when its poll returns (up to the poll timeout, 1 s), alongside the dispatcher's stop; the batches it
 * fetched before are still handled while Redis is open. The end waits for both, at most a second. A consumed batch
 * that fails while stopping (one still queued when Redis closes) is not tried again: its offsets stay uncommitted,
 * so the partition's next owner reads it again, and no retry loop holds the stop.
 */
@ApplicationScoped
public class Stopping {
    private static final Logger LOG = Logger.getLogger(Stopping.class);
    private static final Duration END_WAIT = Duration.ofSeconds(1);
    /** No batch started for this long, none being handled: the consumers' queues of fetched batches are empty. */
    private static final long QUIET_NANOS = Duration.ofMillis(50).toNanos();

    private final KafkaClientService kafka;
    private volatile boolean stopping;
    private volatile boolean over;
    private final List<CompletableFuture<?>> pausing = new ArrayList<>();
    private final AtomicInteger handling = new AtomicInteger();
    private volatile long lastStarted = System.nanoTime();

    @Inject
    Stopping(KafkaClientService kafka) {
        this.kafka = kafka;
    }

    /** For tests that run a consumer method without Quarkus: never stopping. */
    public Stopping() {
        this(null);
    }

    void stop(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent stop) {
        stopping = true;
        for (String channel : kafka.getConsumerChannels()) {
            pausing.add(kafka.getConsumer(channel).pause().subscribeAsCompletionStage());
        }
    }

    /**
     * The end of the stop's own part, after the dispatcher's: the consumers paused and the batches they fetched
     * handled, or a second passed. What is left then is read again by the partitions' next owner.
     */
    void awaitConsumersIdle(@Observes @Priority(Interceptor.Priority.PLATFORM_AFTER) ShutdownEvent stop) throws InterruptedException {
        long until = System.nanoTime() + END_WAIT.toNanos();
        try {
            CompletableFuture.allOf(pausing.toArray(CompletableFuture[]::new)).get(END_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.debugf("The Kafka consumers did not pause: %s", e.toString());
        }
        try {
            while ((handling.get() > 0 || System.nanoTime() - lastStarted < QUIET_NANOS) && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            if (handling.get() > 0) {
                LOG.info("Stopping with a consumed batch still being handled: it is read again by the partition's next owner");
            }
        } finally {
            over = true;
        }
    }

    /**
     * Whether the stop's own part is over: Redis and the consumers close next. A batch still waiting (for a broker's
     * acknowledgement) gives up, and its partition's next owner reads it again.
     */
    public boolean over() {
        return over;
    }

    /** A consumed batch is being handled: the stop's end waits for it. Pair with {@link #handled()}. */
    public void handling() {
        handling.incrementAndGet();
        lastStarted = System.nanoTime();
    }

    public void handled() {
        handling.decrementAndGet();
    }

    public boolean now() {
        return stopping;
    }
}
