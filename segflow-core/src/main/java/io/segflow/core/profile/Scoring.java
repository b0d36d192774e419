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

    /** When a positive score decays below {@code threshold}, or empty if it never will (or is already below). */
    public java.util.OptionalLong crossingMillis(double value, long asOfMillis, double threshold) {
        if (value <= 0 || threshold <= 0 || value < threshold) {
            return java.util.OptionalLong.empty();
        }
        double halfLives = Math.log(value / threshold) / Math.log(2);
        return java.util.OptionalLong.of(asOfMillis + (long) Math.ceil(halfLives * halfLife.toMillis()));
    }
}
