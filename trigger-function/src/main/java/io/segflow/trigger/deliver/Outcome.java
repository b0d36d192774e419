package io.segflow.trigger.deliver;

import java.time.Duration;

/**
 * What one attempt came to.
 *
 * @param status     the HTTP status, null when there was no HTTP answer (Kafka actions, connection failures)
 * @param error      why it failed, null on success
 * @param retryAfter the wait a 429 or 503 asked for, else null
 */
public record Outcome(boolean success, Integer status, String error, Duration retryAfter, long latencyMs) {

    public static Outcome ok(Integer status, long latencyMs) {
        return new Outcome(true, status, null, null, latencyMs);
    }

    public static Outcome failed(Integer status, String error, Duration retryAfter, long latencyMs) {
        return new Outcome(false, status, error, retryAfter, latencyMs);
    }

    /** The endpoint is gone for good (410): the trigger is disabled, not retried. */
    public boolean gone() {
        return status != null && status == 410;
    }
}
