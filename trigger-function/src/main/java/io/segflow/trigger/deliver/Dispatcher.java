package io.segflow.trigger.deliver;

import static io.segflow.core.Settings.require;

import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.segflow.core.trigger.DeliveryEntry;
import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.TriggerDefinition;
import io.segflow.trigger.Stopping;
import io.segflow.trigger.TriggerConfig;
import io.segflow.trigger.fire.DeliveryLog;
import io.segflow.trigger.fire.FiringStore;
import io.segflow.trigger.fire.OwnedShards;
import io.segflow.trigger.fire.RedisBatch;
import io.segflow.trigger.fire.TriggerMetrics;
import io.segflow.trigger.rules.TriggerCatalog;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Works off the owned shards' schedules: firings whose delay is over and retries that are due, read every poll
 * interval, plus new firings handed over at once by the change consumer. Each firing is claimed with a lease in its
 * schedule before it runs, so a firing in flight when this instance dies is due again for the next owner: nothing
 * waits in memory only. Attempts run on virtual threads; one endpoint's slowness holds only its own firings.
 * <p>
 * A stop starts no new call, waits for the calls in flight at most {@code segflow.trigger.deliveries.stop-wait}, cuts
 * short those still unanswered, and ends the leases of the firings it gave up (cut short, waiting for a call, handed
 * over while stopping), so that the partition's next owner attempts them at once instead of a lease later.
 */
@ApplicationScoped
public class Dispatcher {
    private static final Logger LOG = Logger.getLogger(Dispatcher.class);
    private static final String DEADLINE_PASSED = "retry deadline passed";
    private static final String GONE = "endpoint gone (410): trigger disabled";
    /** The last failure of a retry given up past its deadline whose schedule entry carries no retry state. */
    private static final Outcome LAST_FAILURE_UNKNOWN = Outcome.failed(null, "the deadline passed before the next attempt", null, 0);
    /** The longest stop-wait: with the rest of a stop, within Kubernetes' default grace period of 30 s. */
    static final Duration LONGEST_STOP_WAIT = Duration.ofSeconds(20);
    /** The most each of a stop's other waits takes: the threads cut short, each Redis write. */
    private static final long STOP_STEP_MILLIS = 1_000;

    private final TriggerCatalog catalog;
    private final FiringStore store;
    private final DeliveryLog log;
    private final OwnedShards shards;
    private final ActionCalls calls;
    private final EndpointLimits limits;
    private final RetryPolicy retries;
    private final DeadFirings dead;
    private final TriggerMetrics metrics;
    private final DeliveredFirings delivered;
    private final Duration pollInterval;
    private final int claimBatch;
    private final long leaseMillis;
    private final long longestWaitMillis;
    private final Timer queued;
    private final Timer called;
    private final Duration stopWait;
    private final Stopping stopping;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /** Calls made now: what a stop waits for. */
    private final AtomicInteger calling = new AtomicInteger();
    /** Firings given up by a stop, still leased in the schedule until the stop ends their leases. */
    private final Queue<Firing> givenUp = new ConcurrentLinkedQueue<>();
    /** Striped by trigger and user: delayed firings of one user and trigger are decided one at a time. */
    private final Lock[] deciding = new Lock[1024];
    private long lastWarning;
    private final ExecutorService attempts = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("trigger-schedule").factory());

    Dispatcher(TriggerCatalog catalog, FiringStore store, DeliveryLog log, OwnedShards shards, ActionCalls calls,
               EndpointLimits limits, RetryPolicy retries, DeadFirings dead, TriggerMetrics metrics, DeliveredFirings delivered,
               TriggerConfig config, Stopping stopping) {
        this.catalog = catalog;
        this.store = store;
        this.log = log;
        this.shards = shards;
        this.calls = calls;
        this.limits = limits;
        this.retries = retries;
        this.dead = dead;
        this.metrics = metrics;
        this.delivered = delivered;
        this.queued = metrics.stage("queue");
        this.called = metrics.stage("call");
        validate(config.deliveries());
        this.pollInterval = config.deliveries().pollInterval();
        this.claimBatch = config.deliveries().claimBatch();
        this.stopWait = config.deliveries().stopWait();
        this.stopping = stopping;
        // Past the longest attempt: a claimed firing is not taken again while its call may still be running.
        this.leaseMillis = config.deliveries().timeout().toMillis() + 5_000;
        // What the last of a full queue waits if every call ahead of it takes its whole lease: only a guard.
        this.longestWaitMillis = EndpointLimits.WAITING_PER_SLOT * leaseMillis;
        Arrays.setAll(deciding, i -> new ReentrantLock());
    }

    /**
     * Refuses delivery settings that cannot work, naming the setting. Here because the dispatcher is created at
     * startup, while the retry policy and the action calls are created at the first firing that needs them.
     */
    static void validate(TriggerConfig.Deliveries deliveries) {
        Duration pollInterval = deliveries.pollInterval();
        require(pollInterval.toMillis() >= 1 && pollInterval.compareTo(Duration.ofSeconds(1)) <= 0,
                "segflow.trigger.deliveries.poll-interval", "between 1ms and 1s");
        require(deliveries.claimBatch() >= 1, "segflow.trigger.deliveries.claim-batch", "at least 1");
        require(deliveries.timeout().toMillis() >= 1, "segflow.trigger.deliveries.timeout", "at least 1ms");
        require(!deliveries.stopWait().isNegative() && deliveries.stopWait().compareTo(LONGEST_STOP_WAIT) <= 0,
                "segflow.trigger.deliveries.stop-wait", "between 0s and " + LONGEST_STOP_WAIT.toSeconds() + "s");
        new RetryPolicy(deliveries.backoff(), deliveries.jitter(), deliveries.deadline()); // checks backoff, jitter, deadline
    }

    void start(@Observes StartupEvent started) {
        poller.scheduleWithFixedDelay(this::poll, pollInterval.toMillis(), pollInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The stop: while it runs, Redis and the Kafka consumers still work (Quarkus closes them after this observer), so
     * batches consumed meanwhile still store their firings. Each wait is bounded: stop-wait for the calls, a second for
     * the threads cut short to end, and a second for each Redis write of the stop (a write not made leaves leases to
     * run out, a firing delivered but not settled to be delivered again).
     */
    void stop(@Observes ShutdownEvent stop) throws InterruptedException {
        long started = System.currentTimeMillis();
        poller.shutdownNow();
        int callsAtStop = calling.get();
        long waitUntil = System.nanoTime() + stopWait.toNanos();
        while (calling.get() > 0 && System.nanoTime() < waitUntil) {
            Thread.sleep(10);
        }
        int cutShort = calling.get();
        attempts.shutdownNow(); // interrupts the calls still unanswered and the firings waiting for an endpoint
        attempts.awaitTermination(STOP_STEP_MILLIS, TimeUnit.MILLISECONDS);
        List<Firing> released = List.copyOf(givenUp);
        boolean written = within(() -> store.release(released, System.currentTimeMillis()));
        delivered.stop(Duration.ofMillis(STOP_STEP_MILLIS));
        LOG.infof("Stopped delivering in %d ms: %d of %d calls in flight answered within %d ms, %d cut short; %d firings"
                        + " given up %s", System.currentTimeMillis() - started, callsAtStop - cutShort, callsAtStop,
                stopWait.toMillis(), cutShort, released.size(), written
                        ? "are due at once for the partitions' next owner"
                        : "keep their leases (Redis did not answer) and are due for the partitions' next owner when they run out");
    }

    /** Runs a Redis write of the stop, waiting for it at most a second; whether it was made. */
    private static boolean within(Runnable write) throws InterruptedException {
        boolean[] done = new boolean[1];
        Thread writing = Thread.ofVirtual().start(() -> {
            try {
                write.run();
                done[0] = true;
            } catch (RuntimeException e) {
                LOG.warnf("A write of the stop failed: %s", e.toString());
            }
        });
        return writing.join(Duration.ofMillis(STOP_STEP_MILLIS)) && done[0];
    }

    /** The lease a firing handed over at once is stored with. */
    public long leaseFrom(long now) {
        return now + leaseMillis;
    }

    /**
     * Runs firings already stored with a lease (new ones from the change consumer) without waiting for a poll. While
     * stopping, ends their leases instead: the partition's next owner attempts them at once.
     */
    public void handOver(Collection<Firing> firings) {
        if (stopping.now()) {
            try {
                store.release(firings, System.currentTimeMillis());
            } catch (RuntimeException e) {
                LOG.debugf("%d firings handed over while stopping keep their leases: %s", firings.size(), e.toString());
            }
            return;
        }
        firings.forEach(this::submit);
    }

    private void poll() {
        try {
            // One round trip for whether the definitions changed and what is due in every owned shard: most polls
            // find nothing, and a read per shard would cost a wake-up each.
            long now = System.currentTimeMillis();
            RedisBatch reads = store.reads();
            Supplier<Boolean> definitionsChanged = catalog.changed(reads);
            Map<String, Supplier<List<String>>> dueByShard = new LinkedHashMap<>();
            for (String shard : shards.current()) {
                dueByShard.put(shard, store.due(reads, shard, now, claimBatch));
            }
            reads.send();
            if (definitionsChanged.get()) {
                catalog.refresh();
            }
            dueByShard.forEach((shard, due) -> store.claim(shard, due.get(), leaseFrom(now)).forEach(this::submit));
        } catch (RuntimeException e) {
            if (poller.isShutdown()) {
                return; // stopping: the interrupted read is no failure
            }
            long now = System.currentTimeMillis();
            if (now - lastWarning > 10_000) { // every poll would flood the log while Redis is down
                lastWarning = now;
                LOG.warnf("Reading the trigger schedules failed, retrying every %d ms: %s", pollInterval.toMillis(), e.toString());
            }
        }
    }

    private void submit(Firing firing) {
        if (stopping.now()) {
            givenUp.add(firing); // claimed by the poll the stop interrupted
            return;
        }
        if (inFlight.add(firing.id())) {
            long submitted = System.nanoTime();
            try {
                attempts.execute(() -> attempt(firing, submitted));
            } catch (RejectedExecutionException stopped) {
                inFlight.remove(firing.id());
                givenUp.add(firing);
            }
        }
    }

    private void attempt(Firing firing, long submitted) {
        try {
            run(firing, submitted);
        } catch (InterruptedException | RuntimeException e) {
            if (stopping.now()) {
                givenUp.add(firing); // cut short by the stop, wherever it was
            } else if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            } else {
                // Redis or Kafka failed mid-way: the firing keeps its lease and is due again when it runs out.
                LOG.warnf("Firing %s of trigger %s stays scheduled after a failure: %s", firing.id(), firing.triggerId(), e.toString());
            }
        } finally {
            inFlight.remove(firing.id());
        }
    }

    private void run(Firing firing, long submitted) throws InterruptedException {
        // What the last failure decided is kept with the firing: read for retries only, not on the way of new firings.
        Optional<RetryState> retry = firing.attempts() > 0 ? store.entry(firing).flatMap(RetryState::of) : Optional.empty();
        if (retry.isPresent() && retry.get().givenUp()) {
            // Given up already: only its dead record is written again, whatever became of the trigger meanwhile.
            giveUp(firing, retry.get().last(), retry.get().gaveUp(), retry.get().deadWrites(), retry.get().calledAt());
            return;
        }
        TriggerCatalog.Current current = catalog.current();
        TriggerDefinition trigger = current.byId().get(firing.triggerId());
        // A firing of a trigger deleted and created again under its id is the deleted one's: dropped as well.
        boolean deleted = trigger == null || current.deletedSince(firing);
        if (deleted || !current.fires(firing.triggerId())) {
            store.settle(firing);
            log.cancelled(firing, deleted ? "trigger deleted" : "trigger disabled");
            return;
        }
        long now = System.currentTimeMillis();
        Firing due = firing;
        if (firing.stage() == Firing.Stage.DELAY) {
            Optional<Firing> fired = fireAfterDelay(trigger, firing, now);
            if (fired.isEmpty()) {
                return;
            }
            due = fired.get();
        }
        if (pastDeadline(due, retry, now)) {
            // A retry past its deadline (this instance was stopped, or an open breaker or busy endpoint held it): no
            // retry after the deadline but the one due at it. A firing never attempted still gets its one attempt.
            giveUp(due, retry.map(RetryState::last).orElse(LAST_FAILURE_UNKNOWN), DEADLINE_PASSED, 0, null);
            return;
        }
        String endpoint = ActionCalls.endpointOf(trigger.action());
        // A busy endpoint is waited for here, in the order the firings came, so that each call that ends is followed
        // at once by the next (a bounded number wait in memory; the others' lease brings them back); an open breaker
        // sends it back to the schedule until the breaker half-opens. Neither is an attempt.
        long retryAt = limits.acquire(endpoint, now, longestWaitMillis);
        if (retryAt == EndpointLimits.STAY_SCHEDULED) {
            return;
        }
        if (retryAt == 0 && !usesSlot(endpoint, trigger, due, retry, now, submitted)) {
            return;
        }
        if (retryAt != 0) {
            if (retry.isPresent()) {
                store.reschedule(due, retry.get().entry(due), retryAt);
            } else {
                store.reschedule(due, retryAt);
            }
            return;
        }
        long callStarted = System.nanoTime();
        queued.record(callStarted - submitted, TimeUnit.NANOSECONDS);
        Outcome outcome;
        calling.incrementAndGet();
        try {
            try {
                outcome = calls.attempt(trigger, due);
                called.record(System.nanoTime() - callStarted, TimeUnit.NANOSECONDS);
            } catch (InterruptedException | RuntimeException e) {
                limits.release(endpoint, false, System.currentTimeMillis());
                throw e;
            }
            limits.release(endpoint, outcome.success(), System.currentTimeMillis());
            settle(due.withAttempts(due.attempts() + 1), outcome, trigger);
        } finally {
            calling.decrementAndGet(); // settled too: a stop waits for the outcome to be stored
        }
    }

    /**
     * Whether the call slot just acquired is used: not while stopping (the firing is left to the partition's next
     * owner), and after a wait for it longer than a quarter of the lease only as {@link #mayCallAfterLongWait} says.
     * A slot not used is given back, also when renewing the lease failed: it is never lost.
     */
    private boolean usesSlot(String endpoint, TriggerDefinition trigger, Firing due, Optional<RetryState> retry,
                             long waitedFrom, long submitted) {
        boolean uses = false;
        try {
            if (stopping.now()) {
                givenUp.add(due); // a stop starts no call
            } else {
                uses = System.currentTimeMillis() - waitedFrom <= leaseMillis / 4
                        || mayCallAfterLongWait(trigger, due, retry, submitted);
            }
            return uses;
        } finally {
            if (!uses) {
                limits.giveBack(endpoint);
            }
        }
    }

    /** A retry past its deadline, other than the one due at it: given up without another call. */
    private boolean pastDeadline(Firing due, Optional<RetryState> retry, long now) {
        return due.attempts() > 0 && now >= retries.deadlineOf(due.firedAt().toEpochMilli())
                && !retry.map(RetryState::atDeadline).orElse(false);
    }

    /**
     * Whether a firing that waited for its endpoint longer than a quarter of its lease may call now. Up to a quarter,
     * the lease it was claimed with covers the wait and a whole call; past that it calls only under a new lease (one
     * write per such call: while it waits, the poll's claim renews the lease when it runs out, as for any firing in
     * the schedule, and {@code inFlight} keeps it from running twice), only while its shard has been ours since
     * {@code claimed} (a shard lost meanwhile may have another owner calling it), and only as it was decided: its
     * trigger saved since, disabled or deleted, or its retry past the deadline, it stays in the schedule instead, to
     * be decided again when its lease brings it back.
     */
    private boolean mayCallAfterLongWait(TriggerDefinition trigger, Firing due, Optional<RetryState> retry, long claimed) {
        long now = System.currentTimeMillis();
        TriggerCatalog.Current current = catalog.current();
        TriggerDefinition saved = current.byId().get(due.triggerId());
        if (saved == null || !Objects.equals(saved.updatedAt(), trigger.updatedAt()) || !current.fires(due.triggerId())
                || current.deletedSince(due) || pastDeadline(due, retry, now) || !shards.ownedSince(due.shard(), claimed)) {
            return false;
        }
        // Ownership again after the new lease is written: a shard revoked during the write may be its next owner's
        // already, and one revoked after the check is claimed by its next owner only once this lease runs out.
        return !store.claim(due.shard(), List.of(due.id()), leaseFrom(now)).isEmpty()
                && shards.ownedSince(due.shard(), claimed);
    }

    /**
     * The delay is over: the firing is decided now (cooldown and cap count from here) and delivered. Firings of one
     * trigger and user that come due together are decided one after the other, each reading what the one before
     * stored: read concurrently, the cooldown or cap would let both through.
     */
    private Optional<Firing> fireAfterDelay(TriggerDefinition trigger, Firing waiting, long now) {
        Firing firing = waiting.withStage(Firing.Stage.DELIVER, Instant.ofEpochMilli(now));
        Lock lock = deciding[Math.floorMod(Objects.hash(trigger.id(), firing.userId()), deciding.length)];
        lock.lock();
        try {
            FiringStore.Limit limit = store.limit(trigger, firing, now);
            RedisBatch writes = store.writes();
            store.keepMerged(writes, trigger, firing, limit.merged());
            Optional<String> suppressed = limit.suppressed();
            if (suppressed.isPresent()) {
                store.settle(writes, firing);
                writes.send();
                metrics.suppressed(trigger.id(), suppressed.get());
                log.suppressed(firing, suppressed.get());
                return Optional.empty();
            }
            store.fire(writes, trigger, firing, now, leaseFrom(now));
            writes.send();
        } finally {
            lock.unlock();
        }
        metrics.fired(trigger.id());
        return Optional.of(firing);
    }

    /** {@code called}: the definition whose action gave {@code outcome}. */
    private void settle(Firing firing, Outcome outcome, TriggerDefinition called) throws InterruptedException {
        long now = System.currentTimeMillis();
        if (outcome.success()) {
            delivered.add(firing, outcome, now);
            return;
        }
        metrics.failed(firing.triggerId());
        LOG.debugf("Attempt %d of firing %s failed: %s", firing.attempts(), firing.id(), outcome.error());
        if (outcome.gone()) {
            giveUp(firing, outcome, GONE, 0, called.updatedAt());
            return;
        }
        long firedAt = firing.firedAt().toEpochMilli();
        long next = retries.next(firing.attempts(), outcome.retryAfter(), firedAt, now);
        if (next == RetryPolicy.GIVE_UP) {
            giveUp(firing, outcome, DEADLINE_PASSED, 0, called.updatedAt());
            return;
        }
        // A retry due this close to the deadline may be claimed after it (a poll later, a busy instance): it is still
        // the attempt at the deadline, not one to give up untried.
        boolean atDeadline = next >= retries.deadlineOf(firedAt) - pollInterval.toMillis() - 1_000;
        store.reschedule(firing, RetryState.failed(outcome, atDeadline).entry(firing), next);
        metrics.retried(firing.triggerId());
        log.attempt(firing, DeliveryEntry.Status.RETRYING, outcome.status(), outcome.error(), outcome.latencyMs(), Instant.ofEpochMilli(next));
    }

    /**
     * Sends the firing to the dead topic, then (after a 410) disables its trigger, and settles it. If the dead record
     * is not written, the firing stays scheduled, given up, and only the dead record is tried again after the backoff's
     * wait: the endpoint is not called again, and the trigger is disabled only once the record is written, so that
     * a disabled trigger does not cancel the firing instead.
     */
    /** {@code calledAt}: the {@code updatedAt} of the definition whose action gave {@code last} (null: unknown). */
    private void giveUp(Firing firing, Outcome last, String reason, int failedDeadWrites, Instant calledAt)
            throws InterruptedException {
        try {
            dead.send(firing, last, reason);
        } catch (RuntimeException e) {
            int failed = failedDeadWrites + 1;
            long next = System.currentTimeMillis() + retries.wait(failed, null).toMillis();
            store.reschedule(firing, RetryState.gaveUp(last, reason, failed, calledAt).entry(firing), next);
            log.attempt(firing, DeliveryEntry.Status.RETRYING, last.status(), reason + "; writing it to " + DeadFirings.TOPIC
                    + " failed, tried again: " + e.getMessage(), last.latencyMs(), Instant.ofEpochMilli(next));
            LOG.warnf("Firing %s of trigger %s, given up (%s), stays scheduled: writing it to %s failed (try %d): %s",
                    firing.id(), firing.triggerId(), reason, DeadFirings.TOPIC, failed, e.toString());
            return;
        }
        // Not when the trigger was saved since the call (a new URL, say): the old endpoint's 410 must not undo it.
        if (last.gone() && store.disable(firing.triggerId(), calledAt, "the endpoint answered 410 Gone at " + Instant.now())) {
            LOG.warnf("Trigger %s disabled: its endpoint answered 410 Gone", firing.triggerId());
            metrics.disabled(firing.triggerId());
        }
        store.settle(firing);
        metrics.dead(firing.triggerId());
        log.attempt(firing, DeliveryEntry.Status.DEAD, last.status(), reason + ": " + last.error(), last.latencyMs(), null);
    }
}
