package io.segflow.core.engine;

import io.segflow.core.event.Event;
import io.segflow.core.json.Json;
import io.segflow.core.profile.Aggregate;
import io.segflow.core.profile.Granularity;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.ProfileFields;
import io.segflow.core.profile.Scoring;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The oracle of the model test: every aggregate recomputed from the whole history, with none of the incremental code. */
final class BruteForceModel {

    private BruteForceModel() {
    }

    /** Every aggregate recomputed from the whole history, untrimmed. */
    static Profile profile(List<Event> history, Scoring scoring) {
        Map<String, String> fields = new HashMap<>();
        Map<String, Object> traits = new HashMap<>();
        Map<String, Long> counts = new HashMap<>();
        Map<String, Aggregate> aggregates = new HashMap<>();
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        long lastBuyAt = Long.MIN_VALUE;
        Map<String, Long> lastSeen = new HashMap<>();
        for (Event event : history) {
            String name = event.isTrack() ? event.event() : event.type();
            long t = event.timestamp().toEpochMilli();
            counts.merge(ProfileFields.count(name), 1L, Long::sum);
            first = Math.min(first, t);
            last = Math.max(last, t);
            lastSeen.merge(name, t, Math::max);
            for (Granularity g : Granularity.values()) {
                counts.merge(ProfileFields.windowCount(g, name, g.bucketOf(t)), 1L, Long::sum);
            }
            if (event.traits() != null) {
                traits.put("plan", event.traits().get("plan")); // later arrival wins, as identify does
            }
            if (event.properties() != null && event.properties().get("amount") instanceof Number amount) {
                double value = amount.doubleValue();
                aggregates.merge(ProfileFields.aggregate(name, "amount"), Aggregate.EMPTY.plus(value), Aggregate::merge);
                for (Granularity g : Granularity.values()) {
                    aggregates.merge(ProfileFields.windowAggregate(g, name, "amount", g.bucketOf(t)),
                            Aggregate.EMPTY.plus(value), Aggregate::merge);
                }
                if (t >= lastBuyAt) {
                    lastBuyAt = t;
                    fields.put(ProfileFields.lastValue(name, "amount"), t + " " + Json.write(amount));
                }
            }
        }
        counts.forEach((field, n) -> fields.put(field, Long.toString(n)));
        aggregates.forEach((field, aggregate) -> fields.put(field, aggregate.encode()));
        lastSeen.forEach((name, t) -> fields.put(ProfileFields.lastSeen(name), Long.toString(t)));
        if (!history.isEmpty()) {
            fields.put(ProfileFields.FIRST_SEEN, Long.toString(first));
            fields.put(ProfileFields.LAST_SEEN, Long.toString(last));
            double score = 0;
            for (Event event : history) {
                String name = event.isTrack() ? event.event() : event.type();
                score += scoring.weightOf(name) * Math.pow(2, -(double) (last - event.timestamp().toEpochMilli())
                        / scoring.halfLife().toMillis());
            }
            fields.put(ProfileFields.SCORE, score + " " + last);
        }
        return new Profile("u", fields, traits);
    }
}
