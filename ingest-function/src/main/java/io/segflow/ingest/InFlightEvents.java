package io.segflow.ingest;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.atomic.AtomicInteger;

/** Bounds the events waiting for Kafka's acknowledgement, so that overload is answered with 429, not with memory. */
@ApplicationScoped
public class InFlightEvents {
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int max;

    InFlightEvents(IngestConfig config) {
        this.max = config.maxInFlightEvents();
    }

    /** Reserves room for {@code events}; a request larger than the bound alone is still let through when idle. */
    public boolean tryAcquire(int events) {
        while (true) {
            int current = inFlight.get();
            if (current > 0 && current + events > max) {
                return false;
            }
            if (inFlight.compareAndSet(current, current + events)) {
                return true;
            }
        }
    }

    public void release(int events) {
        inFlight.addAndGet(-events);
    }

    public int current() {
        return inFlight.get();
    }
}
