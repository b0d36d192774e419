package io.segflow.core.profile;

/** Count, sum, min and max of numeric values; stored as {@code "n sum min max"}. */
public record Aggregate(long n, double sum, double min, double max) {
    public static final Aggregate EMPTY = new Aggregate(0, 0, Double.NaN, Double.NaN);
    /** The parts a condition can read, as a mask: avg reads the sum (and the count, always kept). */
    public static final int STAT_SUM = 1;
    public static final int STAT_MIN = 2;
    public static final int STAT_MAX = 4;

    public static int statsOf(String function) {
        return switch (function) {
            case "min" -> STAT_MIN;
            case "max" -> STAT_MAX;
            default -> STAT_SUM;
        };
    }

    public Aggregate plus(double value) {
        return n == 0 ? new Aggregate(1, value, value, value)
                : new Aggregate(n + 1, sum + value, Math.min(min, value), Math.max(max, value));
    }

    public Aggregate merge(Aggregate other) {
        if (other.n == 0) {
            return this;
        }
        if (n == 0) {
            return other;
        }
        return new Aggregate(n + other.n, sum + other.sum, Math.min(min, other.min), Math.max(max, other.max));
    }

    /** Average of no values is NaN: every comparison with it is false. */
    public double avg() {
        return n == 0 ? Double.NaN : sum / n;
    }

    public String encode() {
        return n + " " + sum + " " + min + " " + max;
    }

    public static Aggregate decode(String text) {
        String[] parts = text.split(" ");
        return new Aggregate(Long.parseLong(parts[0]), Double.parseDouble(parts[1]),
                Double.parseDouble(parts[2]), Double.parseDouble(parts[3]));
    }
}
