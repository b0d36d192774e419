package io.segflow.trigger.fire;

import io.segflow.core.membership.SegmentChange;
import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.TriggerDefinition;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.core.trigger.When;
import io.segflow.trigger.deliver.Dispatcher;
import io.segflow.trigger.rules.TriggerCatalog;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Turns segment changes into the firings of the triggers on their segments: at once (unless a cooldown or cap
 * suppresses it), or after the trigger's delay, counted from the change. A consumed batch is decided together, its
 * Redis reads and writes pipelined ({@link RedisBatch}) rather than a round trip per command and change. The opposite
 * change cancels a delay still running: a user who left before the delay was over does not get the firing; one who
 * left after it, does, even when trigger-function reads the exit before the firing came due.
 */
@ApplicationScoped
public class ChangeTriggers {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(ChangeTriggers.class);
    private final TriggerCatalog catalog;
    private final FiringStore store;
    private final DeliveryLog log;
    private final FiringAdmission admission;
    private final Dispatcher dispatcher;

    ChangeTriggers(TriggerCatalog catalog, FiringStore store, DeliveryLog log, FiringAdmission admission, Dispatcher dispatcher) {
        this.catalog = catalog;
        this.store = store;
        this.log = log;
        this.admission = admission;
        this.dispatcher = dispatcher;
    }

    /**
     * Reads the definitions again if they changed; for a batch none of whose segments has triggers (the others learn
     * of changes in {@link #onChanges}). With Redis unreachable the last ones read stay: changes of segments without
     * triggers then go on without Redis (the forwarding to segflow.triggers never waits for it), and the others wait
     * for Redis in {@link #onChanges}.
     */
    public void refresh() {
        try {
            catalog.refresh();
        } catch (RuntimeException e) {
            if (!catalog.loaded()) {
                throw e; // nothing known yet: every change waits for the definitions
            }
            LOG.debugf("Trigger definitions not reloaded, keeping the last ones: %s", e.toString());
        }
    }

    /**
     * Whether the change has triggers to decide, or is the {@code erased} record of a user whose trigger state is to
     * be forgotten: either needs Redis.
     */
    public boolean needsRedis(SegmentChange change) {
        TriggerCatalog.Current current = catalog.current();
        return change.isErased() ? !current.byId().isEmpty() : !current.onSegment(change.segmentId()).isEmpty();
    }

    /** A first-seen change, with the partition it came from and its trace context. */
    public record Change(int partition, SegmentChange change, String traceparent) {
    }

    /**
     * Decides the changes' firings and stores them in the shards of their partitions; adds those to run now to
     * {@code runNow}. Handling a change again (after a crash) decides nothing twice: firing ids are stable. Whether
     * the definitions changed is asked in the first round's reads; if they did, they are read again and the round
     * decided anew (nothing was written yet).
     */
    public void onChanges(List<Change> changes, List<Firing> runNow) {
        if (changes.isEmpty()) {
            return;
        }
        List<List<Change>> rounds = rounds(changes);
        while (!decide(rounds.get(0), runNow, true)) {
            catalog.refresh();
        }
        for (List<Change> round : rounds.subList(1, rounds.size())) {
            decide(round, runNow, false);
        }
    }

    /**
     * The changes in rounds where each user appears once, a user's changes in their order: a round reads all it
     * needs, then writes, and a user's next change (next round) sees what the previous one stored.
     */
    static List<List<Change>> rounds(List<Change> changes) {
        List<List<Change>> rounds = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (Change change : changes) {
            int round = seen.merge(change.change().userId(), 1, Integer::sum) - 1;
            if (round == rounds.size()) {
                rounds.add(new ArrayList<>());
            }
            rounds.get(round).add(change);
        }
        return rounds;
    }

    /** What one change means for one trigger: a firing to decide, or a waiting one to cancel; with its reads. */
    private record Step(TriggerDefinition trigger, long generation, String shard, SegmentChange change, Firing firing,
                        Supplier<Boolean> decided, Supplier<FiringStore.Limit> limit, Supplier<String> pending) {
    }

    /**
     * One round: its reads in one pipeline, then its writes in one transaction (per shard on a Redis Cluster). False, with
     * nothing written, when {@code checkDefinitions} found that the definitions changed.
     */
    private boolean decide(List<Change> round, List<Firing> runNow, boolean checkDefinitions) {
        long now = System.currentTimeMillis();
        RedisBatch reads = store.reads();
        Supplier<Boolean> definitionsChanged = checkDefinitions ? catalog.changed(reads) : () -> false;
        TriggerCatalog.Current definitions = catalog.current();
        List<Step> steps = new ArrayList<>();
        List<Change> erasures = new ArrayList<>();
        for (Change c : round) {
            SegmentChange change = c.change();
            String shard = TriggerKeys.changesShard(c.partition());
            if (change.isErased()) {
                erasures.add(c);
                continue;
            }
            for (TriggerDefinition trigger : definitions.onSegment(change.segmentId())) {
                When.SegmentChanged when = (When.SegmentChanged) trigger.when();
                long generation = definitions.generationOf(trigger.id());
                if (!when.change().wire().equals(change.change())) {
                    if (trigger.delay() != null) {
                        steps.add(new Step(trigger, generation, shard, change, null, null, null,
                                store.pending(reads, shard, trigger.id(), generation, change.userId())));
                    }
                    continue;
                }
                if (change.isOfRemoval()) {
                    continue; // the segment was deleted or disabled: its members did not leave it
                }
                if (change.isOfMergedId()) {
                    continue; // the id became the user it was merged into: the user's changes say what it did
                }
                Firing firing = new Firing(Firing.idOf(trigger.id(), change.userId(), change.segmentId() + ":" + change.change() + ":"
                        + change.version() + ":" + change.cause()), trigger.id(), change.userId(), "segment." + change.change(),
                        change.segmentId(), change.version(), null, change.at(), change.cause(), c.traceparent(), shard,
                        trigger.delay() != null ? Firing.Stage.DELAY : Firing.Stage.DELIVER, 0, null, null, generation);
                // A delayed firing is limited when its delay is over; a merge's one reads the merged id's firings now
                // too, to keep them with the user's even should the user change back before then.
                Supplier<FiringStore.Limit> limit = trigger.delay() == null || SegmentChange.mergedIdOf(change.cause()) != null
                        ? store.limit(reads, trigger, firing, now) : null;
                steps.add(new Step(trigger, generation, shard, change, firing, store.decided(reads, firing), limit, null));
            }
        }
        if (steps.isEmpty() && erasures.isEmpty() && !checkDefinitions) {
            return true;
        }
        reads.send();
        if (definitionsChanged.get()) {
            return false;
        }
        // Before the round's writes, which forget the erased users' firing times: should this fail, the batch is
        // decided again and the erasures' exits are still known as decided.
        log.forget(definitions.byId().keySet(), erasures.stream().map(erased -> erased.change().userId()).toList());
        RedisBatch writes = store.writes();
        RedisBatch removals = store.writes();
        List<Firing> admitted = new ArrayList<>();
        for (Step step : steps) {
            if (step.firing() == null) {
                cancel(writes, removals, step);
            } else if (!step.decided().get()) {
                decide(writes, step, now, admitted);
            }
        }
        // After the user's exits (earlier rounds): the erased user's cooldowns, caps and pending delay are forgotten,
        // so a profile started again under the same id begins with none.
        for (Change erased : erasures) {
            store.forget(writes, TriggerKeys.changesShard(erased.partition()), definitions.generations(), erased.change().userId());
        }
        writes.send();
        // Once the cancellations' entries are written: should the instance die or Redis fail before, the firings are
        // still the users' pending ones, and the changes handled again cancel and log them.
        removals.send();
        runNow.addAll(admitted); // stored now: safe to attempt
        return true;
    }

    private void decide(RedisBatch writes, Step step, long now, List<Firing> admitted) {
        TriggerDefinition trigger = step.trigger();
        Firing firing = step.firing();
        if (trigger.delay() != null) {
            if (step.limit() != null) {
                store.keepMerged(writes, trigger, firing, step.limit().get().merged());
            }
            long from = firing.at() != null ? firing.at().toEpochMilli() : now;
            long due = from + trigger.delay().millis();
            store.delay(writes, firing, due, trigger.delay().millis());
            log.scheduled(writes, firing, Instant.ofEpochMilli(due));
            return;
        }
        admission.admit(writes, trigger, firing.withStage(Firing.Stage.DELIVER, Instant.ofEpochMilli(now)), now, step.limit().get())
                .ifPresent(admitted::add);
    }

    /**
     * The opposite change: the user's firing still waiting out its delay, if there is one, is cancelled (rare) when
     * the user changed back before the delay was over. A change back at or after the firing's due time leaves it to
     * fire: the change held for the whole delay, though trigger-function only learns of the change back now (it was
     * stopped or behind when the delay ran out). The firing leaves the schedule in {@code removals}, sent after
     * {@code writes}, which log it cancelled.
     */
    private void cancel(RedisBatch writes, RedisBatch removals, Step step) {
        String id = step.pending().get();
        if (id == null) {
            return;
        }
        Optional<Firing> waiting = store.waiting(step.shard(), id);
        if (waiting.isPresent() && !changedBackBeforeDue(step.change(), waiting.get(), step.trigger())) {
            return;
        }
        waiting.ifPresent(firing -> log.cancelled(writes, firing, "the user " + step.change().change() + " before the delay was over"));
        store.cancelPending(removals, step.shard(), step.trigger().id(), step.generation(), step.change().userId(), id);
    }

    /** Whether {@code back} happened before {@code waiting}'s delay was over: by the changes' times, not when they were read. */
    static boolean changedBackBeforeDue(SegmentChange back, Firing waiting, TriggerDefinition trigger) {
        if (back.at() == null || waiting.at() == null) {
            return true;
        }
        return back.at().toEpochMilli() < waiting.at().toEpochMilli() + trigger.delay().millis();
    }

    public void handOver(List<Firing> firings) {
        if (!firings.isEmpty()) {
            dispatcher.handOver(firings);
        }
    }
}
