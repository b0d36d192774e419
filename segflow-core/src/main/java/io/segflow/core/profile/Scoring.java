package io.segflow.core.profile;

import java.time.Duration;
import java.util.Map;

/**
 * The engagement score: each event name has a weight, and the score decays exponentially with the half-life.
 * {@code score(now) = sum of weight * 2^(-(now - t) / halfLife)} over the user's events.
 */
public record Scoring(Duration halfLife, Map<String, Double> weights) {
    public static final Scoring NONE = new Scoring(Duration.ofDays(7), Map.of());

    public Scoring {
        weights = Map.copyOf(weights);
        if (halfLife.isZero() || halfLife.isNegative()) {
            throw new IllegalArgumentException("halfLife must be positive");
        }
    }

    public double weightOf(String event) {
        return weights.getOrDefault(event, 0.0);
    }

    /** A score value as of {@code asOfMillis}, decayed (or, for an earlier time, grown back) to {@code atMillis}. */
    public double decay(double value, long asOfMillis, long atMillis) {
        return value * Math.pow(2, -(double) (atMillis - asOfMillis) / halfLife.toMillis());
    }

    /**
     * When the score, {@code value} as of {@code asOfMillis}, is at {@code threshold}: a score only moves toward 0, so
     * only a threshold of its sign is ever crossed. Beyond it (further from 0) the crossing is after {@code asOfMillis};
     * between it and 0, before: a score as of a later time (an event dated ahead of the clock) reads larger until then.
     * Empty for a threshold of the other sign, or 0. The caller takes the crossings still ahead.
     */
    public java.util.OptionalLong crossingMillis(double value, long asOfMillis, double threshold) {
        if (value == 0 || threshold == 0 || (value > 0) != (threshold > 0)) {
            return java.util.OptionalLong.empty();
        }
        double halfLives = Math.log(value / threshold) / Math.log(2);
        return java.util.OptionalLong.of(asOfMillis + (long) Math.ceil(halfLives * halfLife.toMillis()));
    }
}
