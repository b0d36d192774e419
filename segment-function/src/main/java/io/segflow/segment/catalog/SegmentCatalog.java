package io.segflow.segment.catalog;

import io.segflow.core.engine.SegmentDependencies;
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
import io.segflow.segment.store.RedisPipeline;
import io.segflow.segment.store.SlotRequest;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
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

    /** How long a rehearsal waits before it looks again for stored segments to build. */
    private static final Duration REHEARSAL_LOOK_AGAIN = Duration.ofSeconds(5);

    private final RedisPipeline redis;
    private final RuleCompiler compiler = new RuleCompiler();
    /**
     * The last catalog's conditions by their text: a new revision compiles only the conditions it adds or changes,
     * so that saving one segment does not hold the engine thread for the compilation of all of them.
     */
    private Map<String, CompiledCondition> compiledConditions = Map.of();
    private volatile String revision;
    private volatile Current current = new Current(SegmentIndex.empty(), Scoring.NONE);

    SegmentCatalog(RedisPipeline redis) {
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
                long start = System.nanoTime();
                Stored stored = readStored();
                if (!Objects.equals(stored.revision(), revision)) {
                    long read = System.nanoTime();
                    Load load = load(stored);
                    current = load.catalog();
                    revision = stored.revision();
                    long end = System.nanoTime();
                    LOG.infof("Loaded %d enabled segments (revision %s) in %d ms: read in %d ms, %d new or changed conditions "
                                    + "compiled in %d ms", current.index().all().size(), stored.revision(), (end - start) / 1_000_000,
                            (read - start) / 1_000_000, load.compiled(), load.compileNanos() / 1_000_000);
                }
            }
        }
        return current;
    }

    private String storedRevision() {
        return RedisPipeline.text(redis.run(List.of(SlotRequest.get(RedisKeys.SEGMENTS_REVISION))).get(0));
    }

    /** The revision, the definitions and the scoring as of one moment. */
    private record Stored(String revision, List<String> definitions, String scoring) {
    }

    /**
     * One round trip, in one transaction: a segment saved meanwhile cannot pair a revision with other definitions.
     * Sent through the engine's pipeline like every round's commands: loading a new catalog then brings no new types
     * into the client code the rounds share, whose compiled code would otherwise be thrown away (and live events
     * slowed) just as the backfill starts.
     */
    private Stored readStored() {
        String key = RedisKeys.SEGMENTS;
        List<Response> replies = redis.run(List.of(
                new SlotRequest(key, Request.cmd(Command.MULTI)),
                SlotRequest.get(RedisKeys.SEGMENTS_REVISION),
                new SlotRequest(key, Request.cmd(Command.HVALS).arg(key)),
                SlotRequest.get(RedisKeys.SCORING),
                new SlotRequest(key, Request.cmd(Command.EXEC))));
        Response result = replies.get(replies.size() - 1); // EXEC's: the replies of the three reads
        Response values = result.get(1);
        List<String> definitions = new ArrayList<>(values.size());
        values.forEach(definition -> definitions.add(definition.toString()));
        return new Stored(RedisPipeline.text(result.get(0)), definitions, RedisPipeline.text(result.get(2)));
    }

    private record Load(Current catalog, Map<String, CompiledCondition> conditions, int compiled, long compileNanos) {
    }

    private Load load(Stored stored) {
        Load load = build(stored, compiledConditions, current, LOG::error);
        compiledConditions = load.conditions();
        return load;
    }

    /**
     * The catalog {@code stored} holds, built from {@code previous} (users evaluated against that one catch up on
     * what changed), compiling the conditions {@code known} lacks; what it skips goes to {@code problems}. Changes
     * nothing here, so that a rehearsal can run it beside the engine.
     */
    private Load build(Stored stored, Map<String, CompiledCondition> known, Current previous, Consumer<String> problems) {
        long catalogRevision = RedisKeys.catalogRevision(stored.revision());
        List<CompiledSegment> compiled = new ArrayList<>(stored.definitions().size());
        Map<String, CompiledCondition> conditions = new HashMap<>();
        int compiledNow = 0;
        long compileNanos = 0;
        for (String json : stored.definitions()) {
            SegmentDefinition definition = Json.read(json, SegmentDefinition.class);
            if (!definition.enabled()) {
                continue;
            }
            try {
                CompiledCondition condition = known.get(definition.condition());
                if (condition == null) {
                    long compiling = System.nanoTime();
                    condition = compiler.compile(definition.condition());
                    compileNanos += System.nanoTime() - compiling;
                    compiledNow++;
                }
                conditions.put(definition.condition(), condition);
                compiled.add(new CompiledSegment(definition, condition));
            } catch (RuleSyntaxException e) {
                // The API refuses such conditions, but one stored under other rules must not stop the others.
                problems.accept("Segment " + definition.id() + " has a condition that no longer compiles and is skipped: " + e.getMessage());
            }
        }
        Scoring scoring = ScoringCodec.read(stored.scoring());
        SegmentIndex index = new SegmentIndex(withoutCycles(compiled, problems), catalogRevision, previous.index(),
                !scoring.equals(previous.scoring()));
        return new Load(new Current(index, scoring), conditions, compiledNow, compileNanos);
    }

    /**
     * Builds the stored catalog again and again, throwing each away, until about {@code compiles} conditions were
     * compiled or {@code going} turns false, pausing three times as long as each build took (at most a quarter of a
     * core), and looking again every few seconds while no enabled segment is stored (a new deployment): on a JVM, a
     * new revision's load on the engine thread (live events wait for it) otherwise runs the definitions' JSON parser,
     * the CEL checker and the index as code the JIT has seen a few times only, taking 5 to 15 ms to compile one new
     * condition instead of about 0.2 ms. A native image has no JIT, so nothing to rehearse.
     *
     * @return the conditions compiled
     */
    public int rehearseLoads(int compiles, BooleanSupplier going) throws InterruptedException {
        long start = System.nanoTime();
        long cpuStart = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        int compiled = 0;
        Stored stored = null;
        while (compiled < compiles && going.getAsBoolean()) {
            if (stored == null) {
                stored = readStored();
            }
            long building = System.nanoTime();
            int now = build(stored, Map.of(), current, problem -> { }).compiled();
            if (now == 0) {
                stored = null; // read again after the pause
                Thread.sleep(REHEARSAL_LOOK_AGAIN);
                continue;
            }
            compiled += now;
            Thread.sleep(Duration.ofNanos(3 * (System.nanoTime() - building)));
        }
        LOG.infof("Rehearsed loading the segment catalog ahead of a save: %d conditions compiled in %d ms (%d ms of CPU)",
                compiled, (System.nanoTime() - start) / 1_000_000,
                (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpuStart) / 1_000_000);
        return compiled;
    }

    /**
     * The segments less those whose {@code inSegment(...)} calls loop back to themselves. The API refuses a cycle,
     * but one stored anyway (two saves at once, or a write to Redis) must not stop the others: the catalog's
     * revision is what every round is stored against, so this revision is loaded, without them (no user is in them).
     */
    static List<CompiledSegment> withoutCycles(List<CompiledSegment> segments, Consumer<String> problems) {
        List<CompiledSegment> kept = new ArrayList<>(segments);
        while (true) {
            try {
                SegmentDependencies.inDependencyOrder(kept);
                return kept;
            } catch (SegmentDependencies.CycleException e) {
                problems.accept("Segments " + new TreeSet<>(e.cycle()) + " are skipped: their conditions form a cycle (" + e.getMessage() + ")");
                kept.removeIf(segment -> e.cycle().contains(segment.id()));
            }
        }
    }
}
