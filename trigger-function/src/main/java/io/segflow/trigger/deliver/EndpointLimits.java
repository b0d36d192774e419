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
 * failures. A firing that finds its endpoint full or open waits in the schedule, so a dead or slow endpoint holds up
 * only its own firings.
 */
@ApplicationScoped
public class EndpointLimits {
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
     * firing's own virtual thread) before giving the firing back to the schedule.
     */
    public long acquire(String endpoint, long now, long waitMillis) throws InterruptedException {
        long retryAt = acquire(endpoint, now);
        if (retryAt == 0 || isOpen(endpoint, now)) {
            return retryAt;
        }
        return endpoints.get(endpoint).calls.tryAcquire(waitMillis, TimeUnit.MILLISECONDS) ? 0 : System.currentTimeMillis() + 50;
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
