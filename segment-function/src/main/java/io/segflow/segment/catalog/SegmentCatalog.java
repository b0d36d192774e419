package io.segflow.segment.catalog;

import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.core.engine.SegmentIndex;
import io.segflow.core.json.Json;
import io.segflow.core.profile.Scoring;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.redis.ScoringCodec;
import io.segflow.core.rules.CompiledCondition;
import io.segflow.core.rules.CompiledSegment;
import io.segflow.core.rules.RuleCompiler;
import io.segflow.core.rules.RuleSyntaxException;
import io.segflow.core.rules.SegmentDefinition;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jboss.logging.Logger;

/**
 * The enabled segments, compiled and indexed once, and the scoring; rebuilt only when the api-function bumps
 * the definitions revision. The index carries that revision: users record the one they were last fully
 * evaluated against, and {@link CatalogBackfill} wakes every known user when it changes.
 */
@ApplicationScoped
public class SegmentCatalog {
    private static final Logger LOG = Logger.getLogger(SegmentCatalog.class);

    /** What one evaluation needs of the catalog, swapped atomically on reload. */
    public record Current(SegmentIndex index, Scoring scoring) {
    }

    private final RedisDataSource redis;
    private final RuleCompiler compiler = new RuleCompiler();
    /**
     * The last catalog's conditions by their text: a new revision compiles only the conditions it adds or changes,
     * so that saving one segment does not hold the engine thread for the compilation of all of them.
     */
    private Map<String, CompiledCondition> compiledConditions = Map.of();
    private volatile String revision;
    private volatile Current current = new Current(SegmentIndex.empty(), Scoring.NONE);

    SegmentCatalog(RedisDataSource redis) {
        this.redis = redis;
    }

    /** The catalog as of the last {@link #refresh()}; no I/O, for every event. */
    public Current current() {
        return current;
    }

    /** Re-reads the definitions if their revision changed: once per batch or poll, not per event. */
    public Current refresh() {
        return refresh(storedRevision());
    }

    /** As {@link #refresh()}, with the stored revision just read along with other things (null: none stored). */
    public Current refresh(String storedRevision) {
        if (!Objects.equals(storedRevision, revision)) {
            synchronized (this) {
                // Read again under the lock: a thread that read an older revision while another loaded a newer one
                // must not take the catalog back (users record the revision they were evaluated against).
                String latest = storedRevision();
                if (!Objects.equals(latest, revision)) {
                    long start = System.nanoTime();
                    current = load(latest == null ? 0 : Long.parseLong(latest));
                    revision = latest;
                    LOG.infof("Loaded %d enabled segments (revision %s) in %d ms", current.index().all().size(), latest,
                            (System.nanoTime() - start) / 1_000_000);
                }
            }
        }
        return current;
    }

    private String storedRevision() {
        return redis.value(String.class).get(RedisKeys.SEGMENTS_REVISION);
    }

    private Current load(long catalogRevision) {
        Map<String, String> stored = redis.hash(String.class).hgetall(RedisKeys.SEGMENTS);
        List<CompiledSegment> compiled = new ArrayList<>(stored.size());
        Map<String, CompiledCondition> conditions = new HashMap<>();
        for (String json : stored.values()) {
            SegmentDefinition definition = Json.read(json, SegmentDefinition.class);
            if (!definition.enabled()) {
                continue;
            }
            try {
                CompiledCondition condition = compiledConditions.get(definition.condition());
                if (condition == null) {
                    condition = compiler.compile(definition.condition());
                }
                conditions.put(definition.condition(), condition);
                compiled.add(new CompiledSegment(definition, condition));
            } catch (RuleSyntaxException e) {
                // The API refuses such conditions, but one stored under other rules must not stop the others.
                LOG.errorf("Segment %s has a condition that no longer compiles and is skipped: %s", definition.id(), e.getMessage());
            }
        }
        SegmentIndex index;
        try {
            index = new SegmentIndex(compiled, catalogRevision);
        } catch (IllegalArgumentException cycle) {
            LOG.errorf("Segment definitions form a cycle, keeping the previous catalog: %s", cycle.getMessage());
            return current;
        }
        compiledConditions = conditions;
        return new Current(index, ScoringCodec.read(redis.value(String.class).get(RedisKeys.SCORING)));
    }
}
