package io.segflow.api.redis;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.Priority;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import org.jboss.logging.Logger;

/**
 * Runs a {@link RetriedOnLostConnection read} once more when a connection it used closed mid-command. A pooled
 * connection can close just as a request takes it: its idle timeout fires, or the server, a proxy or a failover drops
 * it. The pool then opens another, so a second run answers where a 503 would only have sent the client to retry. A
 * Redis that stays unreachable, slow or refusing fails the second run too, and that failure is answered.
 */
@RetriedOnLostConnection
@Interceptor
@Priority(Interceptor.Priority.PLATFORM_AFTER)
public class LostConnectionRetry {
    private static final Logger LOG = Logger.getLogger(LostConnectionRetry.class);

    private final Counter retried;

    LostConnectionRetry(MeterRegistry metrics) {
        this.retried = Counter.builder("segflow.api.redis.lost.connection.retries")
                .description("Reads run again because a Redis connection closed under them").register(metrics);
    }

    @AroundInvoke
    Object runAgainIfTheConnectionWasLost(InvocationContext invocation) throws Exception {
        try {
            return invocation.proceed();
        } catch (Exception e) {
            if (!RedisUnavailable.lostConnection(e)) {
                throw e;
            }
            retried.increment();
            LOG.debugf("A Redis connection closed under %s; running it once more: %s", invocation.getMethod().getName(), e.toString());
            return invocation.proceed();
        }
    }
}
