package io.segflow.bench.engine;

import java.util.Map;

/**
 * The Drools rules' fact: one user's profile with every value a rule reads already computed as of the
 * evaluation instant (windows, aggregates, time since last seen), since Drools constraints cannot ask a
 * profile for "count within the last hour at now" the way segflow's CEL functions do.
 */
public final class DroolsProfile {
    private final Map<String, Double> metrics;
    private final Map<String, String> lastTexts;
    private final Map<String, Object> traits;
    private final double score;

    public DroolsProfile(Map<String, Double> metrics, Map<String, String> lastTexts, Map<String, Object> traits, double score) {
        this.metrics = metrics;
        this.lastTexts = lastTexts;
        this.traits = traits;
        this.score = score;
    }

    /** A computed metric such as {@code count:view_0:1h}; NaN for min, max and avg of no values. */
    public double m(String metric) {
        Double value = metrics.get(metric);
        if (value == null) {
            throw new IllegalArgumentException("no metric " + metric); // a rule the fact builder does not know
        }
        return value;
    }

    /** The last value of an event's property as text ({@code buy_0:currency}), or null. */
    public String lastText(String key) {
        return lastTexts.get(key);
    }

    public boolean hasTrait(String name) {
        return traits.containsKey(name);
    }

    public String traitText(String name) {
        return traits.get(name) instanceof String text ? text : null;
    }

    public double traitNumber(String name) {
        return traits.get(name) instanceof Number number ? number.doubleValue() : Double.NaN;
    }

    public double getScore() {
        return score;
    }
}
