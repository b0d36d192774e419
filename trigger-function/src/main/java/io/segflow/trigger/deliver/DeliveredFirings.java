package io.segflow.trigger.deliver;

import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.StartupEvent;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.Firing;
import io.segflow.trigger.fire.DeliveryLog;
import io.segflow.trigger.fire.FiringStore;
import io.segflow.trigger.fire.RedisBatch;
import io.segflow.trigger.fire.TriggerMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Takes delivered firings out of the schedule and logs them, all those delivered meanwhile in one batch: two Redis
 * round trips per delivery would make the connection pool, not the endpoint, bound the deliveries per second. A
 * delivered firing whose batch fails keeps its lease and is delivered again when it runs out (at least once, same id).
 */
@ApplicationScoped
public class DeliveredFirings {
    private static final Logger LOG = Logger.getLogger(DeliveredFirings.class);
    private static final int BATCH = 500;
    /** Put last in the queue by {@link #stop}: the writer ends once it has written what came before. */
    private static final Delivered END = new Delivered(null, null, 0);

    private record Delivered(Firing firing, Outcome outcome, long at) {
    }

    private final FiringStore store;
    private final DeliveryLog log;
    private final TriggerMetrics metrics;
    private final Timer settling;
    private final BlockingQueue<Delivered> queue = new LinkedBlockingQueue<>();
    private final Thread writer = Thread.ofPlatform().daemon().name("trigger-delivered").unstarted(this::run);

    DeliveredFirings(FiringStore store, DeliveryLog log, TriggerMetrics metrics) {
        this.store = store;
        this.log = log;
        this.metrics = metrics;
        this.settling = metrics.stage("settle");
    }

    void start(@Observes StartupEvent started) {
        writer.start();
    }

    /**
     * Writes what was delivered up to now, waiting for it at most {@code wait}; the dispatcher's stop calls it once its
     * attempts ended. What is not written by then stays scheduled and is delivered again by the partition's next owner.
     */
    void stop(Duration wait) throws InterruptedException {
        queue.add(END);
        if (!writer.join(wait)) {
            writer.interrupt();
            LOG.warnf("%d delivered firings stay scheduled (delivered again by the partition's next owner): Redis did not"
                    + " take them within %d ms of the stop", queue.size(), wait.toMillis());
        }
    }

    /** The firing got a 2xx at {@code at}. */
    public void add(Firing firing, Outcome outcome, long at) {
        queue.add(new Delivered(firing, outcome, at));
    }

    private void run() {
        boolean ending = false;
        while (!ending) {
            try {
                List<Delivered> batch = new ArrayList<>();
                batch.add(queue.take());
                drain(batch);
                ending = batch.remove(END);
                write(batch);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private List<Delivered> drain(List<Delivered> batch) {
        queue.drainTo(batch, BATCH - batch.size());
        return batch;
    }

    private void write(List<Delivered> batch) {
        if (batch.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        try {
            RedisBatch writes = store.writes();
            for (Delivered d : batch) {
                store.settle(writes, d.firing());
                log.attempt(writes, d.firing(), DeliveryEntry.Status.DELIVERED, d.outcome().status(), null, d.outcome().latencyMs(), null);
            }
            writes.send();
            settling.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            for (Delivered d : batch) {
                metrics.delivered(d.firing().triggerId(), Duration.ofMillis(Math.max(0, d.at() - d.firing().firedAt().toEpochMilli())));
            }
        } catch (RuntimeException e) {
            LOG.warnf("%d delivered firings stay scheduled (their lease runs out, then they are delivered again): %s",
                    batch.size(), e.toString());
        }
    }
}
