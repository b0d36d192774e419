package io.segflow.core.profile;

import io.segflow.core.json.Json;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * One user's profile as segment conditions read it: traits plus the aggregates of the profile hash
 * (see {@link ProfileFields}), answered as of a given instant. Immutable; parse once per evaluation.
 */
public final class Profile {
    private final String userId;
    private final Map<String, Object> traits;
    private final Map<String, Long> counts = new HashMap<>();
    private final Map<String, TreeMap<Long, Long>> windowCounts = new HashMap<>();
    private final Map<String, Aggregate> aggregates = new HashMap<>();
    private final Map<String, TreeMap<Long, Aggregate>> windowAggregates = new HashMap<>();
    private final Map<String, Long> firstSeen = new HashMap<>();
    private final Map<String, Long> lastSeen = new HashMap<>();
    private final Map<String, String> lastValues = new HashMap<>();
    private final long overallFirstSeen;
    private final long overallLastSeen;
    private final double scoreValue;
    private final long scoreAsOf;

    public Profile(String userId, Map<String, String> fields, Map<String, Object> traits) {
        this.userId = userId;
        this.traits = Map.copyOf(traits);
        long first = 0;
        long last = 0;
        double score = 0;
        long scoreTime = 0;
        String sep = String.valueOf(ProfileFields.SEP);
        for (Map.Entry<String, String> entry : fields.entrySet()) {
            String field = entry.getKey();
            String value = entry.getValue();
            String[] parts = field.split(sep, -1);
            switch (parts[0]) {
                case "c" -> counts.put(parts[1], Long.parseLong(value));
                case "w" -> windowCounts.computeIfAbsent(parts[1] + sep + parts[2], k -> new TreeMap<>())
                        .put(Long.parseLong(parts[3]), Long.parseLong(value));
                case "a" -> aggregates.put(parts[1] + sep + parts[2], Aggregate.decode(value));
                case "x" -> windowAggregates.computeIfAbsent(parts[1] + sep + parts[2] + sep + parts[3], k -> new TreeMap<>())
                        .put(Long.parseLong(parts[4]), Aggregate.decode(value));
                case "f" -> firstSeen.put(parts[1], Long.parseLong(value));
                case "l" -> lastSeen.put(parts[1], Long.parseLong(value));
                case "v" -> lastValues.put(parts[1] + sep + parts[2], value.substring(value.indexOf(' ') + 1));
                case ProfileFields.FIRST_SEEN -> first = Long.parseLong(value);
                case ProfileFields.LAST_SEEN -> last = Long.parseLong(value);
                case ProfileFields.SCORE -> {
                    String[] scoreParts = value.split(" ");
                    score = Double.parseDouble(scoreParts[0]);
                    scoreTime = Long.parseLong(scoreParts[1]);
                }
                default -> {
                    // offsets and fields of newer versions: not read by conditions
                }
            }
        }
        this.overallFirstSeen = first;
        this.overallLastSeen = last;
        this.scoreValue = score;
        this.scoreAsOf = scoreTime;
    }

    /** A profile with lifetime counts and traits only (tests, previews). */
    public static Profile ofCounts(String userId, Map<String, Long> counts, Map<String, Object> traits) {
        Map<String, String> fields = new HashMap<>();
        counts.forEach((event, n) -> fields.put(ProfileFields.count(event), Long.toString(n)));
        return new Profile(userId, fields, traits);
    }

    public String userId() {
        return userId;
    }

    public Map<String, Object> traits() {
        return traits;
    }

    public Map<String, Long> counts() {
        return Map.copyOf(counts);
    }

    /** Events applied to this profile, over all names. */
    public long totalEvents() {
        long total = 0;
        for (long n : counts.values()) {
            total += n;
        }
        return total;
    }

    public long count(String event) {
        return counts.getOrDefault(event, 0L);
    }

    /** Lifetime aggregates of numeric properties, keyed {@code event.property}, for admin views. */
    public Map<String, Aggregate> aggregates() {
        Map<String, Aggregate> view = new java.util.TreeMap<>();
        aggregates.forEach((key, aggregate) -> view.put(key.replace(ProfileFields.SEP, '.'), aggregate));
        return view;
    }

    /** When each event (of those segments read) was last seen, for admin views. */
    public Map<String, Instant> lastSeenByEvent() {
        Map<String, Instant> view = new java.util.TreeMap<>();
        lastSeen.forEach((event, millis) -> view.put(event, Instant.ofEpochMilli(millis)));
        return view;
    }

    public long count(String event, Window window, long nowMillis) {
        TreeMap<Long, Long> buckets = windowCounts.get(window.granularity().code() + ProfileFields.SEP + event);
        if (buckets == null) {
            return 0;
        }
        long total = 0;
        for (Map.Entry<Long, Long> bucket : buckets.tailMap(oldestCounted(window, nowMillis)).entrySet()) {
            total += bucket.getValue();
        }
        return total;
    }

    public Aggregate aggregate(String event, String property) {
        return aggregates.getOrDefault(event + ProfileFields.SEP + property, Aggregate.EMPTY);
    }

    public Aggregate aggregate(String event, String property, Window window, long nowMillis) {
        TreeMap<Long, Aggregate> buckets = windowAggregates.get(
                window.granularity().code() + ProfileFields.SEP + event + ProfileFields.SEP + property);
        Aggregate total = Aggregate.EMPTY;
        if (buckets != null) {
            for (Aggregate bucket : buckets.tailMap(oldestCounted(window, nowMillis)).values()) {
                total = total.merge(bucket);
            }
        }
        return total;
    }

    /** The first bucket still counting in the window: (b + 1) * B > now - W. */
    private static long oldestCounted(Window window, long nowMillis) {
        return Math.floorDiv(nowMillis - window.millis(), window.granularity().bucketMillis());
    }

    /** When the oldest event now in the window leaves it, or empty when the window holds none. */
    public OptionalLong nextWindowChange(String event, String property, Window window, long nowMillis) {
        String key = property == null
                ? window.granularity().code() + ProfileFields.SEP + event
                : window.granularity().code() + ProfileFields.SEP + event + ProfileFields.SEP + property;
        TreeMap<Long, ?> buckets = property == null ? windowCounts.get(key) : windowAggregates.get(key);
        if (buckets == null) {
            return OptionalLong.empty();
        }
        Long oldest = buckets.ceilingKey(oldestCounted(window, nowMillis));
        return oldest == null ? OptionalLong.empty()
                : OptionalLong.of(window.granularity().expiryMillis(oldest, window.millis()));
    }

    public Instant firstSeen() {
        return Instant.ofEpochMilli(overallFirstSeen);
    }

    public Instant lastSeen() {
        return Instant.ofEpochMilli(overallLastSeen);
    }

    /** Epoch (1970) when the event was never seen. */
    public Instant firstSeen(String event) {
        return Instant.ofEpochMilli(firstSeen.getOrDefault(event, 0L));
    }

    public Instant lastSeen(String event) {
        return Instant.ofEpochMilli(lastSeen.getOrDefault(event, 0L));
    }

    public Optional<Object> lastValue(String event, String property) {
        String json = lastValues.get(event + ProfileFields.SEP + property);
        return json == null ? Optional.empty() : Optional.ofNullable(CelValues.fromJson(Json.read(json, Object.class)));
    }

    public double score(Scoring scoring, long nowMillis) {
        return scoreValue == 0 ? 0 : scoring.decay(scoreValue, scoreAsOf, nowMillis);
    }

    public OptionalLong scoreCrossing(Scoring scoring, double threshold) {
        return scoring.crossingMillis(scoreValue, scoreAsOf, threshold);
    }
}
