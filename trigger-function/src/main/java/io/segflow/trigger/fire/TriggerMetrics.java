package io.segflow.trigger.fire;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/** Per-trigger counters and the delivery latency histogram (docs/operations.md lists them). */
@ApplicationScoped
public class TriggerMetrics {
    private final MeterRegistry registry;

    TriggerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void fired(String trigger) {
        counter("segflow.trigger.fired", "Firings of the trigger (after delay, cooldown and cap)", trigger).increment();
    }

    public void suppressed(String trigger, String reason) {
        Counter.builder("segflow.trigger.suppressed").description("Firings dropped by a cooldown or a cap, by reason").tag("trigger", trigger).tag("reason", reason).register(registry).increment();
    }

    public void delivered(String trigger, Duration sinceFired) {
        counter("segflow.trigger.delivered", "Deliveries that got a 2xx", trigger).increment();
        Timer.builder("segflow.trigger.delivery.latency").description("From a firing to its delivery, attempts and waits included")
                .tag("trigger", trigger)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(5)).maximumExpectedValue(Duration.ofHours(24))
                .register(registry).record(sinceFired);
    }

    /** A condition or threshold that failed for a user (a value of the wrong type, say): counted as false. */
    public void conditionFailed(String trigger) {
        counter("segflow.trigger.condition.errors", "Conditions and thresholds of the trigger that failed for a user (counted as false)",
                trigger).increment();
    }

    /** An attempt that did not succeed (any reason but a 2xx). */
    public void failed(String trigger) {
        counter("segflow.trigger.failed", "Delivery attempts that failed (non-2xx, timeout, refused address)", trigger).increment();
    }

    public void retried(String trigger) {
        counter("segflow.trigger.retried", "Delivery attempts scheduled again", trigger).increment();
    }

    public void dead(String trigger) {
        counter("segflow.trigger.dead", "Firings given up and sent to segflow.triggers.dead", trigger).increment();
    }

    /** The trigger's endpoint answered 410 and the trigger was disabled: it fires no more until saved again. */
    public void disabled(String trigger) {
        counter("segflow.trigger.disabled", "Times the trigger was disabled because its endpoint answered 410 Gone", trigger).increment();
    }

    /**
     * Where a firing's time goes, by stage: {@code consume} (change record written to read here), {@code forward}
     * (a batch's trigger records until acknowledged), {@code store} (a batch's firings decided and stored in Redis),
     * {@code queue} (a firing handed to the dispatcher until its call starts), {@code call} (one attempt),
     * {@code settle} (a batch of delivered firings taken out of the schedule).
     */
    public static Timer stage(MeterRegistry registry, String stage) {
        return Timer.builder("segflow.trigger.stage").description("Where a firing's time goes, by stage").tag("stage", stage)
                .register(registry);
    }

    public Timer stage(String stage) {
        return stage(registry, stage);
    }

    private Counter counter(String name, String description, String trigger) {
        return Counter.builder(name).description(description).tag("trigger", trigger).register(registry);
    }
}
