package io.segflow.trigger.rules;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.transactions.TransactionResult;
import io.segflow.core.trigger.Firing;
import io.segflow.core.trigger.InvalidTriggerException;
import io.segflow.core.trigger.TriggerCodec;
import io.segflow.core.trigger.TriggerDefinition;
import io.segflow.core.trigger.TriggerExpressions;
import io.segflow.core.trigger.TriggerKeys;
import io.segflow.core.trigger.When;
import io.segflow.trigger.fire.RedisBatch;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The trigger definitions, read again only when the api-function (or a 410 disabling an endpoint) bumps their
 * revision. Disabled triggers and those whose endpoint answered 410 are known ({@link Current#byId}) but never fire.
 */
@ApplicationScoped
public class TriggerCatalog {
    private static final Logger LOG = Logger.getLogger(TriggerCatalog.class);

    /** The definitions of one revision, indexed for what a change or an event looks up. */
    public record Current(Map<String, TriggerDefinition> byId, Set<String> firing,
                          Map<String, List<TriggerDefinition>> bySegment, Map<String, List<EventTrigger>> byEvent,
                          List<EventTrigger> thresholds, Map<String, Long> generations) {

        /**
         * The trigger's generation, recorded by its firings and part of its per-user keys: 0 for one stored before
         * triggers had generations, null for a trigger these definitions do not know.
         */
        public Long generationOf(String triggerId) {
            return generations.get(triggerId);
        }

        /**
         * Whether the firing is of an older trigger under the same id, deleted since. Only an older generation
         * counts: a newer one is of a trigger these definitions (read before the firing) do not know yet.
         */
        public boolean deletedSince(Firing firing) {
            Long current = generationOf(firing.triggerId());
            return firing.generation() != null && current != null && firing.generation() < current;
        }

        /** Enabled event triggers on events named {@code event}. */
        public List<EventTrigger> onEvent(String event) {
            return byEvent.getOrDefault(event, List.of());
        }

        /** Whether any event or threshold trigger fires: else events need not even be read. */
        public boolean readsEvents() {
            return !byEvent.isEmpty() || !thresholds.isEmpty();
        }

        /** Enabled triggers on segment {@code segment}: those of this change fire, the others' delays are cancelled. */
        public List<TriggerDefinition> onSegment(String segment) {
            return bySegment.getOrDefault(segment, List.of());
        }

        /** Whether the trigger exists, is enabled and its endpoint was not disabled. */
        public boolean fires(String triggerId) {
            return firing.contains(triggerId);
        }

        static final Current EMPTY = new Current(Map.of(), Set.of(), Map.of(), Map.of(), List.of(), Map.of());
    }

    /** An event or threshold trigger with its CEL compiled once (null: an event trigger without condition). */
    public record EventTrigger(TriggerDefinition definition, TriggerExpressions.Compiled expression) {
    }

    private final RedisDataSource redis;
    private final TriggerExpressions expressions = new TriggerExpressions();
    private final TriggerCodec codec = new TriggerCodec(expressions);
    private volatile String revision;
    private volatile Current current = Current.EMPTY;
    private volatile boolean loaded;

    TriggerCatalog(RedisDataSource redis) {
        this.redis = redis;
    }

    public Current current() {
        return current;
    }

    /** Whether the definitions were read at least once: before that, no trigger is known not to exist. */
    public boolean loaded() {
        return loaded;
    }

    /** Re-reads the definitions if their revision changed: one GET when nothing did. */
    public Current refresh() {
        String latest = redis.value(String.class).get(TriggerKeys.REVISION);
        if (!Objects.equals(latest, revision) || !loaded) {
            synchronized (this) {
                if (!Objects.equals(latest, revision) || !loaded) {
                    current = load();
                    revision = latest;
                    loaded = true;
                    LOG.infof("Loaded %d triggers, %d firing (revision %s)", current.byId().size(), current.firing().size(), latest);
                }
            }
        }
        return current;
    }

    /**
     * Whether the definitions changed since those of {@link #current()} were read, answered once {@code reads} is
     * sent: a batch learns of new definitions in the round trip of its own reads. Ask before taking
     * {@link #current()}, so that an answer of "unchanged" is never about older definitions than those used.
     */
    public Supplier<Boolean> changed(RedisBatch reads) {
        String known = revision;
        boolean wasLoaded = loaded;
        RedisBatch.Reply latest = reads.add("triggers", Request.cmd(Command.GET).arg(TriggerKeys.REVISION));
        return () -> !wasLoaded || !Objects.equals(latest.get() == null ? null : latest.get().toString(), known);
    }

    /**
     * Definitions, generations and disabled endpoints read in one MULTI: a definition read without the generation its
     * save stored would pass for one stored without a generation (0).
     */
    private Current load() {
        TransactionResult stored = redis.withTransaction(tx -> {
            tx.hash(String.class).hgetall(TriggerKeys.DEFINITIONS);
            tx.hash(String.class).hgetall(TriggerKeys.GENERATIONS);
            tx.hash(String.class).hgetall(TriggerKeys.DISABLED);
        });
        Map<String, String> definitions = stored.get(0);
        Map<String, String> storedGenerations = stored.get(1);
        Set<String> disabled = stored.<Map<String, String>>get(2).keySet();
        Map<String, Long> generations = new HashMap<>();
        Map<String, TriggerDefinition> byId = new HashMap<>();
        Map<String, List<TriggerDefinition>> bySegment = new HashMap<>();
        Set<String> firing = new java.util.HashSet<>();
        Map<String, List<EventTrigger>> byEvent = new HashMap<>();
        List<EventTrigger> thresholds = new ArrayList<>();
        for (String json : definitions.values()) {
            TriggerDefinition definition;
            try {
                definition = codec.readStored(json);
            } catch (InvalidTriggerException | IllegalArgumentException e) {
                // The API refuses such definitions; one stored under other rules must not stop the others.
                LOG.errorf("A stored trigger no longer reads and is skipped: %s", e.getMessage());
                continue;
            }
            byId.put(definition.id(), definition);
            generations.put(definition.id(), Long.valueOf(storedGenerations.getOrDefault(definition.id(), "0")));
            if (!definition.enabled() || disabled.contains(definition.id())) {
                continue;
            }
            firing.add(definition.id());
            switch (definition.when()) {
                case When.SegmentChanged segment -> bySegment.computeIfAbsent(segment.segment(), s -> new ArrayList<>()).add(definition);
                case When.EventSeen event -> byEvent.computeIfAbsent(event.event(), e -> new ArrayList<>()).add(new EventTrigger(definition,
                        event.condition() == null ? null : expressions.condition(event.condition(), "when.condition")));
                case When.ThresholdCrossed threshold -> thresholds.add(new EventTrigger(definition,
                        expressions.number(threshold.expression(), "when.threshold")));
            }
        }
        return new Current(Map.copyOf(byId), Set.copyOf(firing), Map.copyOf(bySegment), Map.copyOf(byEvent), List.copyOf(thresholds),
                Map.copyOf(generations));
    }
}
