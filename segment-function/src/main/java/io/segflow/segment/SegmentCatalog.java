package io.segflow.segment;

import io.quarkus.redis.datasource.RedisDataSource;
import io.segflow.core.json.Json;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.rules.CompiledSegment;
import io.segflow.core.rules.RuleCompiler;
import io.segflow.core.rules.RuleSyntaxException;
import io.segflow.core.rules.SegmentDefinition;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jboss.logging.Logger;

/**
 * The enabled segments, compiled once and rebuilt only when the api-function bumps the definitions revision.
 */
@ApplicationScoped
public class SegmentCatalog {
    private static final Logger LOG = Logger.getLogger(SegmentCatalog.class);

    private final RedisDataSource redis;
    private final RuleCompiler compiler = new RuleCompiler();
    private volatile String revision;
    private volatile List<CompiledSegment> segments = List.of();

    SegmentCatalog(RedisDataSource redis) {
        this.redis = redis;
    }

    /** The current segments; re-reads the definitions when their revision changed since the last call. */
    public List<CompiledSegment> current() {
        String latest = redis.value(String.class).get(RedisKeys.SEGMENTS_REVISION);
        if (!Objects.equals(latest, revision)) {
            synchronized (this) {
                if (!Objects.equals(latest, revision)) {
                    segments = load();
                    revision = latest;
                    LOG.infof("Loaded %d enabled segments (revision %s)", segments.size(), latest);
                }
            }
        }
        return segments;
    }

    private List<CompiledSegment> load() {
        Map<String, String> stored = redis.hash(String.class).hgetall(RedisKeys.SEGMENTS);
        List<CompiledSegment> compiled = new ArrayList<>(stored.size());
        for (String json : stored.values()) {
            SegmentDefinition definition = Json.read(json, SegmentDefinition.class);
            if (!definition.enabled()) {
                continue;
            }
            try {
                compiled.add(new CompiledSegment(definition, compiler.compile(definition.condition())));
            } catch (RuleSyntaxException e) {
                // The API refuses such conditions; one stored by an older version must not stop the others.
                LOG.errorf("Segment %s has a condition that no longer compiles and is skipped: %s", definition.id(), e.getMessage());
            }
        }
        return List.copyOf(compiled);
    }
}
