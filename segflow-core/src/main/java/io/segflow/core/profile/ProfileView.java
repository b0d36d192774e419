package io.segflow.core.profile;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** What a segment condition can read of a user, answered as of a given instant. */
public interface ProfileView {

    String userId();

    /** Traits as CEL values (ints are Long, decimals Double). */
    Map<String, Object> traits();

    /** Events applied to this profile, over all names. */
    long totalEvents();

    long count(String event);

    long count(String event, Window window, long nowMillis);

    Aggregate aggregate(String event, String property);

    Aggregate aggregate(String event, String property, Window window, long nowMillis);

    Instant firstSeen();

    Instant lastSeen();

    /** Epoch (1970) when the event was never seen. */
    Instant firstSeen(String event);

    Instant lastSeen(String event);

    Optional<Object> lastValue(String event, String property);

    double score(Scoring scoring, long nowMillis);
}
