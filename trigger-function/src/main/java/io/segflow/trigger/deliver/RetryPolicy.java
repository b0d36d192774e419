package io.segflow.trigger.deliver;

import io.segflow.trigger.TriggerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** When a failed firing is tried again: exponential waits with jitter, a receiver's Retry-After, up to a deadline. */
@ApplicationScoped
public class RetryPolicy {
    private final List<Duration> backoff;
    private final double jitter;
    private final Duration deadline;

    @Inject
    RetryPolicy(TriggerConfig config) {
        this(config.deliveries().backoff(), config.deliveries().jitter(), config.deliveries().deadline());
    }

    RetryPolicy(List<Duration> backoff, double jitter, Duration deadline) {
        if (backoff.isEmpty() || backoff.stream().anyMatch(d -> d.isNegative() || d.isZero())) {
            throw new IllegalArgumentException("segflow.trigger.deliveries.backoff must list positive durations, was " + backoff);
        }
        if (jitter < 0 || jitter > 0.5) {
            throw new IllegalArgumentException("segflow.trigger.deliveries.jitter must be between 0 and 0.5, was " + jitter);
        }
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("segflow.trigger.deliveries.deadline must be positive, was " + deadline);
        }
        this.backoff = List.copyOf(backoff);
        this.jitter = jitter;
        this.deadline = deadline;
    }

    /**
     * The wait after the {@code failures}-th failed attempt. A receiver's Retry-After wins, but is waited at least the
     * first backoff wait: a {@code 0}, a past date or a second would otherwise bring the call straight back.
     */
    public Duration wait(int failures, Duration retryAfter) {
        if (retryAfter != null) {
            return retryAfter.compareTo(backoff.get(0)) < 0 ? backoff.get(0) : retryAfter;
        }
        Duration base = backoff.get(Math.min(failures, backoff.size()) - 1);
        double factor = 1 + (ThreadLocalRandom.current().nextDouble() * 2 - 1) * jitter;
        return Duration.ofMillis(Math.max(1, Math.round(base.toMillis() * factor)));
    }

    /** The instant after which a firing fired at {@code firedAtMillis} is given up. */
    public long deadlineOf(long firedAtMillis) {
        return firedAtMillis + deadline.toMillis();
    }
}
