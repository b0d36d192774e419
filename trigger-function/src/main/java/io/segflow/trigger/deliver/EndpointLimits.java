package io.segflow.trigger.deliver;

import io.segflow.trigger.TriggerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Per endpoint (scheme, host and port): a bound on calls in flight, and a circuit breaker that opens after a run of
 * failures. A firing that finds its endpoint full waits for a call on its own virtual thread (a bounded number of
 * them) or in the schedule, one that finds it open waits in the schedule, so a dead or slow endpoint holds up only
 * its own firings.
 */
@ApplicationScoped
public class EndpointLimits {
    /**
     * What {@link #acquire(String, long, long)} answers for a firing whose endpoint stayed busy (or whose breaker
     * opened while it waited): leave it in the schedule as it is, where its lease brings it back. Writing anything would be a Redis write per waiting firing,
     * all at once when a backlog times out together.
     */
    public static final long STAY_SCHEDULED = -1;
    /** Firings that may wait in memory for a call of one endpoint, per call slot; the others wait in the schedule. */
    static final int WAITING_PER_SLOT = 64;

    private final int concurrency;
    private final int failuresToOpen;
    private final long openMillis;
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();

    @Inject
    EndpointLimits(TriggerConfig config) {
        this(config.deliveries().concurrencyPerEndpoint(), config.deliveries().breakerFailures(),
                config.deliveries().breakerOpenFor().toMillis());
    }

    EndpointLimits(int concurrency, int failuresToOpen, long openMillis) {
        this.concurrency = concurrency;
        this.failuresToOpen = failuresToOpen;
        this.openMillis = openMillis;
        if (concurrency < 1 || failuresToOpen < 1 || openMillis < 1) {
            throw new IllegalArgumentException("segflow.trigger.deliveries.concurrency-per-endpoint, breaker-failures and "
                    + "breaker-open-for must be positive");
        }
    }

    private static final class Endpoint {
        final Semaphore calls;
        int failures;
        long openUntil;

        Endpoint(int concurrency) {
            // Fair: waiting firings get a call in the order they came, and newcomers cannot starve them into
            // timing out (each timeout is a trip back through the schedule: under load, a pile-up of them).
            this.calls = new Semaphore(concurrency, true);
        }
    }

    /** 0 when a call may start now (then {@link #release} it), else the epoch millis to try again at. */
    public long acquire(String endpoint, long now) throws InterruptedException {
        Endpoint e = endpoints.computeIfAbsent(endpoint, k -> new Endpoint(concurrency));
        synchronized (e) {
            if (e.openUntil > now) {
                return e.openUntil;
            }
        }
        return e.calls.tryAcquire(0, TimeUnit.MILLISECONDS) ? 0 : now + 50; // timed: behind waiting firings
    }

    /**
     * As {@link #acquire(String, long)}, waiting up to {@code waitMillis} for a call of a busy endpoint to end (on the
     * firing's own virtual thread, in the order the firings came), else {@link #STAY_SCHEDULED}: also at once when
     * {@value #WAITING_PER_SLOT} firings per call slot already wait, so that memory does not grow with the backlog of a
     * slow endpoint. A call freed while the breaker is open is not taken: the firing is answered
     * {@link #STAY_SCHEDULED}, and so are the ones waiting behind it, one after the other.
     */
    public long acquire(String endpoint, long now, long waitMillis) throws InterruptedException {
        long retryAt = acquire(endpoint, now);
        if (retryAt == 0 || isOpen(endpoint, now)) {
            return retryAt;
        }
        Endpoint e = endpoints.get(endpoint);
        if (e.calls.getQueueLength() >= WAITING_PER_SLOT * concurrency) {
            return STAY_SCHEDULED;
        }
        long waiting = System.nanoTime();
        if (!e.calls.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
            return STAY_SCHEDULED;
        }
        if (isOpen(endpoint, now + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - waiting))) {
            e.calls.release();
            return STAY_SCHEDULED;
        }
        return 0;
    }

    /** Gives back a call {@link #acquire}d but not made: no outcome for the breaker. */
    public void giveBack(String endpoint) {
        endpoints.get(endpoint).calls.release();
    }

    public void release(String endpoint, boolean success, long now) {
        Endpoint e = endpoints.get(endpoint);
        synchronized (e) {
            if (success) {
                e.failures = 0;
                e.openUntil = 0;
            } else if (++e.failures >= failuresToOpen) {
                // Half-open after the pause: the next call is the probe; one more failure opens it again.
                e.openUntil = now + openMillis;
                e.failures = failuresToOpen - 1;
            }
        }
        e.calls.release();
    }

    /** Whether the endpoint's breaker is open now. */
    public boolean isOpen(String endpoint, long now) {
        Endpoint e = endpoints.get(endpoint);
        return e != null && e.openUntil > now;
    }
}
