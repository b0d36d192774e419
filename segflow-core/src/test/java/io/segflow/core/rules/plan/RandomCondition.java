package io.segflow.core.rules.plan;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * A random condition as a tree, so that a failing one can be shrunk: a node renders its children into a template
 * ({@code {0}}, {@code {1}}, …) and has a type (bool, int, double, time, duration, dyn) that a shrink step keeps.
 * Its constants are aimed at the boundaries the plan handles by hand: the values the profile holds (give or take
 * one, so that {@code <=} and {@code <} differ), the ends of the int range, operands whose products and sums just
 * overflow or just do not, ints beyond 2^53 against doubles, -0.0 against 0, NaN and infinities.
 */
record RandomCondition(String type, String template, List<RandomCondition> children) {
    static final String[] EVENTS = {"view", "buy", "never"};
    static final String[] PROPERTIES = {"amount", "price", "label"};
    static final String[] WINDOWS = {"30m", "1h", "24h", "7d", "30d"};
    private static final String[] TRAITS = {"plan", "age", "vip", "tags", "address", "missing", "nothing"};
    private static final long EXACT_IN_DOUBLE = 1L << 53;
    /** Ints where CEL's int arithmetic and mixed comparisons change behaviour; the profiles hold them too. */
    static final long[] BOUNDARY_INTS = {0, 1, -1, 2, -2, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1,
            Long.MIN_VALUE + 1, 3_037_000_499L, 3_037_000_500L, -3_037_000_500L, 1L << 32, 1L << 31, 1L << 62,
            -(1L << 62), EXACT_IN_DOUBLE, EXACT_IN_DOUBLE + 1, -EXACT_IN_DOUBLE - 1};
    /** Doubles at the edges of CEL's mixed comparisons and of IEEE 754: -0.0, 2^53, ±2^63, NaN, infinities. */
    static final double[] BOUNDARY_DOUBLES = {0.0, -0.0, 1.5, -2.0, 0x1p53, 0x1p63, -0x1p63, Double.MAX_VALUE,
            Double.MIN_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};

    /** The numbers and times a random profile holds, so that the condition's constants meet them exactly. */
    record Values(List<Long> ints, List<Double> doubles, List<Long> millis, long nowMillis) {
    }

    static RandomCondition leaf(String type, String text) {
        return new RandomCondition(type, text, List.of());
    }

    static RandomCondition of(String type, String template, RandomCondition... children) {
        return new RandomCondition(type, template, List.of(children));
    }

    String render() {
        String text = template;
        for (int i = 0; i < children.size(); i++) {
            text = text.replace("{" + i + "}", children.get(i).render());
        }
        return text;
    }

    int size() {
        return 1 + children.stream().mapToInt(RandomCondition::size).sum();
    }

    /** Smaller conditions of the same type: a child in its place, the simplest literal, or a shrunk child. */
    List<RandomCondition> shrinks() {
        List<RandomCondition> smaller = new ArrayList<>();
        for (RandomCondition child : children) {
            if (child.type.equals(type)) {
                smaller.add(child);
            }
        }
        if (!render().equals(simplest(type).render())) {
            smaller.add(simplest(type));
        }
        for (int i = 0; i < children.size(); i++) {
            for (RandomCondition shrunk : children.get(i).shrinks()) {
                List<RandomCondition> replaced = new ArrayList<>(children);
                replaced.set(i, shrunk);
                smaller.add(new RandomCondition(type, template, replaced));
            }
        }
        return smaller;
    }

    private static RandomCondition simplest(String type) {
        return switch (type) {
            case "bool" -> leaf(type, "true");
            case "int" -> leaf(type, "0");
            case "double" -> leaf(type, "0.0");
            case "time" -> leaf(type, "now");
            case "duration" -> leaf(type, "duration(\"1h\")");
            default -> leaf(type, "traits.plan");
        };
    }

    /** Fewer nodes, or as many with shorter text: a boundary constant shrinks to a plain literal if that still fails. */
    private static boolean isSmaller(RandomCondition candidate, RandomCondition current) {
        int bySize = Integer.compare(candidate.size(), current.size());
        return bySize < 0 || bySize == 0 && candidate.render().length() < current.render().length();
    }

    /** Shrinks while {@code fails} holds, at most {@code budget} tries. */
    RandomCondition shrink(Function<RandomCondition, Boolean> fails, int budget) {
        RandomCondition current = this;
        boolean progress = true;
        while (progress && budget > 0) {
            progress = false;
            for (RandomCondition candidate : current.shrinks()) {
                if (--budget < 0) {
                    break;
                }
                if (isSmaller(candidate, current) && fails.apply(candidate)) {
                    current = candidate;
                    progress = true;
                    break;
                }
            }
        }
        return current;
    }

    /** A random boolean condition of about {@code depth} levels. */
    static RandomCondition bool(Random random, int depth, Values values) {
        if (depth <= 0) {
            return switch (random.nextInt(6)) {
                case 0 -> leaf("bool", random.nextBoolean() ? "true" : "false");
                case 1 -> leaf("bool", "inSegment(\"" + (random.nextBoolean() ? "s1" : "s2") + "\")");
                case 2 -> leaf("bool", "has(traits." + pick(random, TRAITS) + ")");
                case 3 -> leaf("bool", "\"" + pick(random, TRAITS) + "\" in traits");
                default -> of("bool", "{0} > {1}", integer(random, 0, values), integer(random, 0, values));
            };
        }
        int next = depth - 1;
        return switch (random.nextInt(16)) {
            case 0 -> of("bool", "{0} && {1}", bool(random, next, values), bool(random, next, values));
            case 1 -> of("bool", "({0} || {1})", bool(random, next, values), bool(random, next, values));
            case 2 -> of("bool", "!({0})", bool(random, next, values));
            case 3 -> of("bool", "({0} ? {1} : {2})", bool(random, next, values), bool(random, next, values),
                    bool(random, next, values));
            case 4 -> of("bool", "{0} " + pick(random, "<", "<=", ">", ">=", "==", "!=") + " {1}",
                    number(random, next, values), number(random, next, values));
            case 5 -> of("bool", "{0} " + pick(random, "<", "<=", ">", ">=", "==", "!=") + " {1}",
                    time(random, next, values), time(random, next, values));
            case 6 -> of("bool", "{0} " + pick(random, "<", "<=", ">", ">=", "==") + " {1}",
                    duration(random, next, values), duration(random, next, values));
            case 7 -> of("bool", "{0} == {1}", dyn(random), leaf("dyn", pick(random, "\"pro\"", "18", "18.0", "true", "\"EUR\"")));
            case 8 -> of("bool", "{0} " + pick(random, "<", ">=") + " {1}", dyn(random), number(random, next, values));
            case 9 -> of("bool", "{0} in [\"pro\", \"team\"]", dyn(random));
            case 10 -> of("bool", "string({0})." + pick(random, "startsWith", "endsWith", "contains") + "(\"" + pick(random, "p", "ro", "") + "\")", dyn(random));
            case 11 -> of("bool", "{0}." + pick(random, "startsWith", "endsWith", "contains") + "(\"" + pick(random, "p", "o", "") + "\")", dyn(random));
            case 12 -> of("bool", "size({0}) " + pick(random, ">", "==") + " " + random.nextInt(3), dyn(random));
            case 13 -> intAgainstDouble(random, values);
            // Straight into a comparison, as an error or a wrapped value inside more arithmetic is often masked.
            case 14 -> of("bool", "{0} " + pick(random, "<", "<=", ">", ">=", "==", "!=") + " {1}",
                    onTheEdgeOfOverflow(random), integer(random, 0, values));
            default -> of("bool", "{0} " + pick(random, "<", "==", ">") + " {1}", number(random, next, values), dyn(random));
        };
    }

    /** An int ordered against a double of about the same value: CEL orders -0.0 below 0 there, Java does not. */
    private static RandomCondition intAgainstDouble(Random random, Values values) {
        long value = pick(random, values.ints());
        double near = switch (random.nextInt(3)) {
            case 0 -> -(double) value;
            case 1 -> (double) value;
            default -> nearby(random, (double) value);
        };
        RandomCondition integer = leaf("int", intLiteral(value));
        RandomCondition decimal = random.nextInt(4) == 0 ? leaf("double", "-score") : leaf("double", doubleLiteral(near));
        String operator = pick(random, "<", "<=", ">", ">=");
        return random.nextBoolean() ? of("bool", "{0} " + operator + " {1}", integer, decimal)
                : of("bool", "{0} " + operator + " {1}", decimal, integer);
    }

    private static RandomCondition number(Random random, int depth, Values values) {
        return random.nextBoolean() ? integer(random, depth, values) : decimal(random, depth, values);
    }

    private static RandomCondition integer(Random random, int depth, Values values) {
        if (depth <= 0 || random.nextInt(3) == 0) {
            return switch (random.nextInt(10)) {
                case 0 -> leaf("int", String.valueOf(random.nextInt(7) - 1));
                case 1 -> leaf("int", "count(\"" + pick(random, EVENTS) + "\")");
                case 2, 3 -> leaf("int", intLiteral(nearby(random, pick(random, values.ints()))));
                case 4, 5 -> leaf("int", intLiteral(BOUNDARY_INTS[random.nextInt(BOUNDARY_INTS.length)]));
                // A trait or property in int arithmetic: an int, a double or a string at run time.
                case 6 -> leaf("int", random.nextBoolean() ? "traits.age"
                        : "last(\"buy\", \"" + pick(random, PROPERTIES) + "\")");
                case 7, 8 -> onTheEdgeOfOverflow(random);
                default -> leaf("int", "count(\"" + pick(random, EVENTS) + "\", \"" + pick(random, WINDOWS) + "\")");
            };
        }
        return of("int", "({0} " + pick(random, "+", "-", "*", "/", "%") + " {1})", integer(random, depth - 1, values),
                integer(random, depth - 1, values));
    }

    /**
     * By operator, operand pairs that just overflow next to pairs that just do not (the smallest int modulo -1 is 0 in
     * CEL; only its quotient overflows).
     */
    private static final Map<String, long[][]> OVERFLOW_EDGES = Map.of(
            "+", new long[][] {{Long.MAX_VALUE, 1}, {Long.MAX_VALUE - 1, 1}, {Long.MIN_VALUE, -1}, {Long.MIN_VALUE + 1, -1}},
            "-", new long[][] {{Long.MIN_VALUE, 1}, {Long.MIN_VALUE + 1, 1}, {0, Long.MIN_VALUE}, {-1, Long.MIN_VALUE}},
            "*", new long[][] {{3_037_000_500L, 3_037_000_500L}, {3_037_000_499L, 3_037_000_499L}, {1L << 62, 2},
                    {-(1L << 62), 2}, {Long.MIN_VALUE, -1}, {Long.MAX_VALUE, -1}, {1L << 32, 1L << 31},
                    {Long.MIN_VALUE, 2}, {-(1L << 32), 1L << 32}, {-(1L << 32), 1L << 31}},
            "/", new long[][] {{Long.MIN_VALUE, -1}, {Long.MIN_VALUE + 1, -1}},
            "%", new long[][] {{Long.MIN_VALUE, -1}, {Long.MIN_VALUE + 1, -1}});

    /** An int operation whose operands just overflow or just do not; one of them may be a count of the profile. */
    private static RandomCondition onTheEdgeOfOverflow(Random random) {
        String operator = pick(random, "+", "-", "*", "*", "/", "%");
        long[][] pairs = OVERFLOW_EDGES.get(operator);
        long[] pair = pairs[random.nextInt(pairs.length)];
        RandomCondition left = leaf("int", intLiteral(pair[0]));
        RandomCondition right = random.nextInt(3) == 0 ? leaf("int", "count(\"" + pick(random, EVENTS) + "\")")
                : leaf("int", intLiteral(pair[1]));
        return of("int", "({0} " + operator + " {1})", left, right);
    }

    /** The value itself, or one either side, so that a comparison meets it on the boundary or just off it. */
    private static long nearby(Random random, long value) {
        return switch (random.nextInt(4)) {
            case 0 -> value == Long.MIN_VALUE ? value : value - 1;
            case 1 -> value == Long.MAX_VALUE ? value : value + 1;
            default -> value;
        };
    }

    private static double nearby(Random random, double value) {
        return switch (random.nextInt(5)) {
            case 0 -> Math.nextDown(value);
            case 1 -> Math.nextUp(value);
            case 2 -> value + (random.nextBoolean() ? 1 : -1);
            default -> value;
        };
    }

    /** CEL has no literal for the smallest int; negative literals are parenthesised to sit anywhere. */
    static String intLiteral(long value) {
        if (value == Long.MIN_VALUE) {
            return "(-9223372036854775807 - 1)";
        }
        return value < 0 ? "(" + value + ")" : String.valueOf(value);
    }

    static String doubleLiteral(double value) {
        if (Double.isNaN(value)) {
            return "(0.0 / 0.0)";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "(1.0 / 0.0)" : "(-1.0 / 0.0)";
        }
        String text = Double.toString(value);
        return text.startsWith("-") ? "(" + text + ")" : text;
    }

    private static RandomCondition decimal(Random random, int depth, Values values) {
        if (depth <= 0 || random.nextInt(3) == 0) {
            String event = pick(random, EVENTS);
            String property = pick(random, PROPERTIES);
            return switch (random.nextInt(8)) {
                case 5 -> leaf("double", doubleLiteral(nearby(random, pick(random, values.doubles()))));
                case 6 -> leaf("double", doubleLiteral(BOUNDARY_DOUBLES[random.nextInt(BOUNDARY_DOUBLES.length)]));
                case 0 -> leaf("double", pick(random, "0.0", "1.5", "-2.0", "100.0", "1e300"));
                case 1 -> leaf("double", "score");
                case 2 -> leaf("double", pick(random, "sum", "min", "max", "avg") + "(\"" + event + "\", \"" + property + "\")");
                case 3 -> leaf("double", pick(random, "sum", "min", "max", "avg") + "(\"" + event + "\", \"" + property + "\", \""
                        + pick(random, WINDOWS) + "\")");
                default -> of("double", "-{0}", leaf("double", "score"));
            };
        }
        return of("double", "({0} " + pick(random, "+", "-", "*", "/") + " {1})", decimal(random, depth - 1, values),
                decimal(random, depth - 1, values));
    }

    private static RandomCondition time(Random random, int depth, Values values) {
        if (depth <= 0 || random.nextBoolean()) {
            return switch (random.nextInt(7)) {
                case 5, 6 -> leaf("time", "timestamp(\""
                        + Instant.ofEpochMilli(nearbyMillis(random, pick(random, values.millis()))) + "\")");
                case 0 -> leaf("time", "now");
                case 1 -> leaf("time", pick(random, "firstSeen", "lastSeen"));
                case 2 -> leaf("time", pick(random, "firstSeen", "lastSeen") + "(\"" + pick(random, EVENTS) + "\")");
                case 3 -> leaf("time", "timestamp(\"" + pick(random, "1970-01-01T00:00:00Z", "2026-11-01T10:00:00+02:00",
                        "2026-11-25T12:00:00.5Z") + "\")");
                default -> leaf("time", "timestamp(\"0001-01-01T00:00:00Z\")");
            };
        }
        return of("time", "({0} " + pick(random, "+", "-") + " {1})", time(random, depth - 1, values),
                duration(random, depth - 1, values));
    }

    private static RandomCondition duration(Random random, int depth, Values values) {
        if (depth <= 0 || random.nextBoolean()) {
            if (random.nextBoolean()) {
                // The age of one of the profile's times, to the millisecond: now - lastSeen meets it exactly.
                long age = Math.max(0, values.nowMillis() - nearbyMillis(random, pick(random, values.millis())));
                return leaf("duration", "duration(\"" + age / 1000 + "s" + age % 1000 + "ms\")");
            }
            return leaf("duration", "duration(\"" + pick(random, "3d", "90m", "1h30m", "45s", "250ms", "1.5h", "0s") + "\")");
        }
        return switch (random.nextInt(3)) {
            case 0 -> of("duration", "({0} - {1})", time(random, depth - 1, values), time(random, depth - 1, values));
            case 1 -> of("duration", "({0} + {1})", duration(random, depth - 1, values), duration(random, depth - 1, values));
            default -> of("duration", "({0} - {1})", duration(random, depth - 1, values), duration(random, depth - 1, values));
        };
    }

    private static long nearbyMillis(Random random, long millis) {
        return millis + random.nextInt(3) - 1;
    }

    private static RandomCondition dyn(Random random) {
        return switch (random.nextInt(3)) {
            case 0 -> leaf("dyn", "traits." + pick(random, TRAITS));
            case 1 -> leaf("dyn", "traits[\"" + pick(random, TRAITS) + "\"]");
            default -> leaf("dyn", "last(\"" + pick(random, EVENTS) + "\", \"" + pick(random, PROPERTIES) + "\")");
        };
    }

    private static String pick(Random random, String... options) {
        return options[random.nextInt(options.length)];
    }

    private static <T> T pick(Random random, List<T> options) {
        return options.get(random.nextInt(options.size()));
    }
}
