package io.segflow.api.segments;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.segflow.api.users.PartitionHistories;
import io.segflow.api.users.UserState;
import io.segflow.core.engine.AggregateShape;
import io.segflow.core.engine.ProfileNeeds;
import io.segflow.core.history.PartitionHistory;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Aggregate;
import io.segflow.core.profile.ProfileView;
import io.segflow.core.rules.CompiledCondition;
import io.segflow.core.rules.ConditionEvaluator;
import io.segflow.core.rules.EvaluationContext;
import io.segflow.core.rules.Reads;
import io.segflow.core.rules.Reads.PropertyAggregate;
import io.segflow.core.rules.Reads.PropertyRef;
import io.segflow.core.state.UserRecord;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Evaluates a condition against one user's current profile, as segment-function would, and says what it read. */
@ApplicationScoped
public class ConditionPreview {

    /**
     * @param error  why the condition could not be evaluated for this user (it then counts as false), else null
     * @param read   the profile values the condition reads, by the name it reads them with
     * @param userId the user evaluated: for an id merged into another user, that user (the id asked for is then
     *               {@code mergedFrom})
     */
    public record Preview(String userId, @JsonInclude(JsonInclude.Include.NON_NULL) String mergedFrom, boolean matches,
                          String error, Map<String, Object> read) {
    }

    private final UserState state;
    private final PartitionHistories histories;

    ConditionPreview(UserState state, PartitionHistories histories) {
        this.state = state;
        this.histories = histories;
    }

    public Preview evaluate(CompiledCondition condition, String userId) {
        // One read: the profile and the memberships inSegment() answers from are of the same moment.
        UserState.Resolved resolved = state.resolve(userId);
        UserRecord record = resolved.record();
        Memberships memberships = record.memberships();
        long now = System.currentTimeMillis();
        EvaluationContext context = new EvaluationContext(record.profile(), now, state.scoring(), memberships::contains);
        String[] error = new String[1];
        boolean matches = new ConditionEvaluator(context, (c, user, e) -> error[0] = e.getMessage()).matches(condition);
        String notKept = notKept(condition.reads(), resolved.userId());
        if (notKept != null) {
            // The profile has no past of that property to answer from: a saved segment rebuilds it first.
            matches = false;
            error[0] = notKept;
        }
        return new Preview(resolved.userId(), resolved.mergedFrom(), matches, error[0], read(condition.reads(), context, memberships));
    }

    /**
     * Why the user's profile cannot answer the event properties {@code reads} reads (null: it can): no enabled segment
     * keeps the property in that shape (a sum where only a max is kept, a longer window), or its history is still being
     * replayed, in the user's partition.
     */
    private String notKept(Reads reads, String userId) {
        Map<PropertyRef, AggregateShape> needed = ProfileNeeds.of(List.of(reads)).shapes();
        if (needed.isEmpty()) {
            return null;
        }
        PartitionHistory history = histories.of(userId);
        Set<PropertyRef> replaying = history.replaying();
        for (Map.Entry<PropertyRef, AggregateShape> need : needed.entrySet()) {
            PropertyRef ref = need.getKey();
            if (!history.keeps(ref, need.getValue())) {
                return "property " + ref.property() + " of " + ref.event() + " is not kept as this condition reads it:"
                        + " saving the segment replays the event log for it first";
            }
            if (replaying.contains(ref)) {
                return "property " + ref.property() + " of " + ref.event() + " is being replayed from the event log";
            }
        }
        return null;
    }

    private static Map<String, Object> read(Reads reads, EvaluationContext context, Memberships memberships) {
        ProfileView profile = context.profile();
        long now = context.nowMillis();
        Map<String, Object> read = new TreeMap<>();
        reads.lifetimeCounts().forEach(event -> read.put("count(\"" + event + "\")", profile.count(event)));
        reads.windowedCounts().forEach(w -> read.put("count(\"" + w.event() + "\", \"" + w.window().text() + "\")",
                profile.count(w.event(), w.window(), now)));
        reads.propertyAggregates().forEach(a -> read.put(aggregateName(a), aggregate(profile, a, now)));
        reads.lastValues().forEach(p -> read.put("last(\"" + p.event() + "\", \"" + p.property() + "\")",
                profile.lastValue(p.event(), p.property()).orElse(null)));
        reads.segments().forEach(segment -> read.put("inSegment(\"" + segment + "\")", memberships.contains(segment)));
        if (reads.traits()) {
            read.put("traits", new TreeMap<>(profile.traits()));
        }
        if (reads.score()) {
            read.put("score", context.score());
        }
        return read;
    }

    private static String aggregateName(PropertyAggregate a) {
        String window = a.window() == null ? "" : ", \"" + a.window().text() + "\"";
        return "aggregate(\"" + a.event() + "\", \"" + a.property() + "\"" + window + ")";
    }

    /** A lifetime aggregate has no window. */
    private static Map<String, Object> aggregate(ProfileView profile, PropertyAggregate a, long now) {
        Aggregate value = a.window() == null ? profile.aggregate(a.event(), a.property())
                : profile.aggregate(a.event(), a.property(), a.window(), now);
        return Map.of("n", value.n(), "sum", value.sum(), "min", value.min(), "max", value.max());
    }
}
