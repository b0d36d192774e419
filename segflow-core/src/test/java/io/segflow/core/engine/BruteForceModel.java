package io.segflow.core.engine;

import io.segflow.core.event.Event;
import io.segflow.core.profile.Aggregate;
import io.segflow.core.profile.CelValues;
import io.segflow.core.profile.Granularity;
import io.segflow.core.profile.ProfileView;
import io.segflow.core.profile.Scoring;
import io.segflow.core.profile.Window;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The oracle of the model test: a profile that keeps every event and answers each read by scanning the whole
 * history, with none of the incremental code (no buckets, no trimming, no stored score). Only the documented
 * precision is shared: an event at time t counts in window W at {@code now} while {@code (floor(t/B)+1)·B > now − W},
 * B the bucket size of {@link Granularity#forWindow}.
 * <p>
 * A user that took in another id's profile (an identity merge) is the events of both, with the rules
 * {@code Profile.merge} documents for what order decides: traits are this user's, and the merged id's fill only the
 * names this user lacked at the merge; a latest value is the one of the latest event time, on a tie this user's.
 */
final class BruteForceModel implements ProfileView {
    private final String userId;
    /** The user's own events (its forwarded ones included), in arrival order. */
    private final List<Event> history;
    /** The events of the id merged into this user (empty if none), in their arrival order there. */
    private final List<Event> merged;
    /** How many of {@link #history} had arrived when {@link #merged} was taken in. */
    private final int mergedAt;
    /** Every event: the merged ones first, so that on a tie of event times the user's own (later in the list) wins. */
    private final List<Event> events;

    BruteForceModel(String userId, List<Event> history) {
        this(userId, history, List.of(), 0);
    }

    /** A user that took in {@code merged} (another id's events) once the first {@code mergedAt} of its own had arrived. */
    BruteForceModel(String userId, List<Event> history, List<Event> merged, int mergedAt) {
        this.userId = userId;
        this.history = List.copyOf(history);
        this.merged = List.copyOf(merged);
        this.mergedAt = mergedAt;
        List<Event> all = new ArrayList<>(merged);
        all.addAll(history);
        this.events = List.copyOf(all);
    }

    @Override
    public String userId() {
        return userId;
    }

    /**
     * Later arrival wins, whatever the event times; a null removes the trait. A merge adds the merged id's traits (by
     * the same rule among its events) whose names this user lacks at that point.
     */
    @Override
    public Map<String, Object> traits() {
        Map<String, Object> traits = traitsOf(history.subList(0, mergedAt), new HashMap<>());
        traitsOf(merged, new HashMap<>()).forEach(traits::putIfAbsent);
        return traitsOf(history.subList(mergedAt, history.size()), traits);
    }

    private static Map<String, Object> traitsOf(List<Event> events, Map<String, Object> traits) {
        for (Event event : events) {
            if (event.traits() != null) {
                event.traits().forEach((name, value) -> {
                    if (value == null) {
                        traits.remove(name);
                    } else {
                        traits.put(name, CelValues.fromJson(value));
                    }
                });
            }
        }
        return traits;
    }

    @Override
    public long totalEvents() {
        return events.size();
    }

    @Override
    public long count(String event) {
        return events.stream().filter(named(event)).count();
    }

    @Override
    public long count(String event, Window window, long nowMillis) {
        return events.stream().filter(named(event).and(inWindow(window, nowMillis))).count();
    }

    @Override
    public Aggregate aggregate(String event, String property) {
        return aggregate(named(event), property);
    }

    @Override
    public Aggregate aggregate(String event, String property, Window window, long nowMillis) {
        return aggregate(named(event).and(inWindow(window, nowMillis)), property);
    }

    private Aggregate aggregate(Predicate<Event> counted, String property) {
        Aggregate total = Aggregate.EMPTY;
        for (Event event : events) {
            if (counted.test(event) && event.properties() != null && event.properties().get(property) instanceof Number n) {
                total = total.plus(n.doubleValue());
            }
        }
        return total;
    }

    @Override
    public Instant firstSeen() {
        return firstSeen(e -> true);
    }

    @Override
    public Instant lastSeen() {
        return lastSeen(e -> true);
    }

    @Override
    public Instant firstSeen(String event) {
        return firstSeen(named(event));
    }

    @Override
    public Instant lastSeen(String event) {
        return lastSeen(named(event));
    }

    private Instant firstSeen(Predicate<Event> counted) {
        return Instant.ofEpochMilli(events.stream().filter(counted).mapToLong(BruteForceModel::millis).min().orElse(0));
    }

    private Instant lastSeen(Predicate<Event> counted) {
        return Instant.ofEpochMilli(events.stream().filter(counted).mapToLong(BruteForceModel::millis).max().orElse(0));
    }

    /**
     * The value on the latest event by event time that carries the property; on a tie, the later arrival, and the
     * user's own over the merged id's.
     */
    @Override
    public Optional<Object> lastValue(String event, String property) {
        Object latest = null;
        long latestAt = Long.MIN_VALUE;
        for (Event e : events) {
            Object value = e.properties() == null ? null : e.properties().get(property);
            if (named(event).test(e) && value != null && millis(e) >= latestAt) {
                latest = value;
                latestAt = millis(e);
            }
        }
        return Optional.ofNullable(latest).map(CelValues::fromJson);
    }

    /** Σ weight·2^(−(last − t)/halfLife) as of the latest event time, then decayed to now. */
    @Override
    public double score(Scoring scoring, long nowMillis) {
        if (events.isEmpty()) {
            return 0;
        }
        double halfLife = scoring.halfLife().toMillis();
        long last = lastSeen().toEpochMilli();
        double score = 0;
        for (Event event : events) {
            score += scoring.weightOf(name(event)) * Math.pow(2, -(last - millis(event)) / halfLife);
        }
        return score * Math.pow(2, -(nowMillis - last) / halfLife);
    }

    private static Predicate<Event> named(String event) {
        return e -> name(e).equals(event);
    }

    private static Predicate<Event> inWindow(Window window, long nowMillis) {
        long bucket = Granularity.forWindow(Duration.ofMillis(window.millis())).bucketMillis();
        return e -> (Math.floorDiv(millis(e), bucket) + 1) * bucket > nowMillis - window.millis();
    }

    private static String name(Event event) {
        return event.isTrack() ? event.event() : event.type();
    }

    private static long millis(Event event) {
        return event.timestamp().toEpochMilli();
    }
}
