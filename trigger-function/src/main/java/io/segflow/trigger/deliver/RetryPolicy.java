package io.segflow.trigger.deliver;

import io.segflow.trigger.TriggerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a failed firing is tried again: exponential waits with jitter, or a receiver's Retry-After, up to a deadline.
 * The wait that would pass the deadline is cut to it, so the last attempt is made at the deadline; the firing is given
 * up once an attempt fails at or after it.
 */
@ApplicationScoped
public class RetryPolicy {
    /** {@link #next}'s answer for a firing to give up. */
    public static final long GIVE_UP = -1;

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

    /**
     * When to attempt again after the {@code failures}-th failed attempt, which ended at {@code now}: after the wait,
     * but at the latest at the deadline; {@link #GIVE_UP} once an attempt failed at or after the deadline.
     */
    public long next(int failures, Duration retryAfter, long firedAtMillis, long now) {
        long deadline = deadlineOf(firedAtMillis);
        if (now >= deadline) {
            return GIVE_UP;
        }
        return Math.min(now + wait(failures, retryAfter).toMillis(), deadline);
    }

    /** The deadline of a firing fired at {@code firedAtMillis}: its last attempt is made then. */
    public long deadlineOf(long firedAtMillis) {
        return firedAtMillis + deadline.toMillis();
    }
}
