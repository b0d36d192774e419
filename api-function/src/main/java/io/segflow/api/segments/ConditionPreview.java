package io.segflow.api.segments;

import io.segflow.api.users.UserState;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Aggregate;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.Scoring;
import io.segflow.core.redis.RedisCodec;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.rules.CompiledCondition;
import io.segflow.core.rules.ConditionEvaluator;
import io.segflow.core.rules.EvaluationContext;
import io.segflow.core.rules.Reads;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Evaluates a condition against one user's current profile, as segment-function would, and says what it read. */
@ApplicationScoped
public class ConditionPreview {

    /**
     * @param error  why the condition could not be evaluated for this user (it then counts as false), else null
     * @param read   the profile values the condition reads, by the name it reads them with
     */
    public record Preview(String userId, boolean matches, String error, Map<String, Object> read) {
    }

    private final UserState state;

    ConditionPreview(UserState state) {
        this.state = state;
    }

    public Preview evaluate(CompiledCondition condition, String userId) {
        Profile profile = RedisCodec.profile(userId, pairs(RedisKeys.profile(userId)), pairs(RedisKeys.traits(userId)));
        Memberships memberships = state.memberships(userId);
        long now = System.currentTimeMillis();
        EvaluationContext context = new EvaluationContext(profile, now, state.scoring(), memberships::contains);
        String[] error = new String[1];
        boolean matches = new ConditionEvaluator(context, (c, user, e) -> error[0] = e.getMessage()).matches(condition);
        return new Preview(userId, matches, error[0], read(condition.reads(), profile, memberships, context, now));
    }

    private static Map<String, Object> read(Reads reads, Profile profile, Memberships memberships, EvaluationContext context, long now) {
        Map<String, Object> read = new TreeMap<>();
        reads.lifetimeCounts().forEach(event -> read.put("count(\"" + event + "\")", profile.count(event)));
        reads.windowedCounts().forEach(w -> read.put("count(\"" + w.event() + "\", \"" + w.window().text() + "\")",
                profile.count(w.event(), w.window(), now)));
        reads.propertyAggregates().forEach(a -> {
            Aggregate value = profile.aggregate(a.event(), a.property(), a.window(), now);
            read.put("aggregate(\"" + a.event() + "\", \"" + a.property() + "\", \"" + a.window().text() + "\")",
                    Map.of("n", value.n(), "sum", value.sum(), "min", value.min(), "max", value.max()));
        });
        reads.lastValues().forEach(p -> read.put("last(\"" + p.event() + "\", \"" + p.property() + "\")",
                profile.lastValue(p.event(), p.property()).orElse(null)));
        reads.segments().forEach(segment -> read.put("in_segment(\"" + segment + "\")", memberships.contains(segment)));
        if (reads.traits()) {
            read.put("traits", new TreeMap<>(profile.traits()));
        }
        if (reads.score()) {
            read.put("score", context.score());
        }
        return read;
    }

    private List<String> pairs(String key) {
        List<String> pairs = new ArrayList<>();
        state.hash(key).forEach((field, value) -> {
            pairs.add(field);
            pairs.add(value);
        });
        return pairs;
    }
}
