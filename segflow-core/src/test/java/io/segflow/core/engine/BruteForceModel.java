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
 */
final class BruteForceModel implements ProfileView {
    private final String userId;
    /** In arrival order. */
    private final List<Event> history;

    BruteForceModel(String userId, List<Event> history) {
        this.userId = userId;
        this.history = List.copyOf(history);
    }

    @Override
    public String userId() {
        return userId;
    }

    /** Later arrival wins, whatever the event times; a null removes the trait. */
    @Override
    public Map<String, Object> traits() {
        Map<String, Object> traits = new HashMap<>();
        for (Event event : history) {
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
        return history.size();
    }

    @Override
    public long count(String event) {
        return history.stream().filter(named(event)).count();
    }

    @Override
    public long count(String event, Window window, long nowMillis) {
        return history.stream().filter(named(event).and(inWindow(window, nowMillis))).count();
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
        for (Event event : history) {
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
        return Instant.ofEpochMilli(history.stream().filter(counted).mapToLong(BruteForceModel::millis).min().orElse(0));
    }

    private Instant lastSeen(Predicate<Event> counted) {
        return Instant.ofEpochMilli(history.stream().filter(counted).mapToLong(BruteForceModel::millis).max().orElse(0));
    }

    /** The value on the latest event by event time that carries the property; on a tie, the later arrival. */
    @Override
    public Optional<Object> lastValue(String event, String property) {
        Object latest = null;
        long latestAt = Long.MIN_VALUE;
        for (Event e : history) {
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
        if (history.isEmpty()) {
            return 0;
        }
        double halfLife = scoring.halfLife().toMillis();
        long last = lastSeen().toEpochMilli();
        double score = 0;
        for (Event event : history) {
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
