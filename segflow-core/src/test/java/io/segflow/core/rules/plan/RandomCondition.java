package io.segflow.core.rules.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * A random condition as a tree, so that a failing one can be shrunk: a node renders its children into a template
 * ({@code {0}}, {@code {1}}, …) and has a type (bool, int, double, time, duration, dyn) that a shrink step keeps.
 */
record RandomCondition(String type, String template, List<RandomCondition> children) {
    private static final String[] EVENTS = {"view", "buy", "never"};
    private static final String[] PROPERTIES = {"amount", "price", "label"};
    private static final String[] WINDOWS = {"30m", "1h", "24h", "7d", "30d"};
    private static final String[] TRAITS = {"plan", "age", "vip", "tags", "address", "missing", "nothing"};

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
        if (!children.isEmpty()) {
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
                if (candidate.size() < current.size() && fails.apply(candidate)) {
                    current = candidate;
                    progress = true;
                    break;
                }
            }
        }
        return current;
    }

    /** A random boolean condition of about {@code depth} levels. */
    static RandomCondition bool(Random random, int depth) {
        if (depth <= 0) {
            return switch (random.nextInt(6)) {
                case 0 -> leaf("bool", random.nextBoolean() ? "true" : "false");
                case 1 -> leaf("bool", "inSegment(\"" + (random.nextBoolean() ? "s1" : "s2") + "\")");
                case 2 -> leaf("bool", "has(traits." + pick(random, TRAITS) + ")");
                case 3 -> leaf("bool", "\"" + pick(random, TRAITS) + "\" in traits");
                default -> of("bool", "{0} > {1}", integer(random, 0), integer(random, 0));
            };
        }
        int next = depth - 1;
        return switch (random.nextInt(14)) {
            case 0 -> of("bool", "{0} && {1}", bool(random, next), bool(random, next));
            case 1 -> of("bool", "({0} || {1})", bool(random, next), bool(random, next));
            case 2 -> of("bool", "!({0})", bool(random, next));
            case 3 -> of("bool", "({0} ? {1} : {2})", bool(random, next), bool(random, next), bool(random, next));
            case 4 -> of("bool", "{0} " + pick(random, "<", "<=", ">", ">=", "==", "!=") + " {1}",
                    number(random, next), number(random, next));
            case 5 -> of("bool", "{0} " + pick(random, "<", ">", "==", "!=") + " {1}", time(random, next), time(random, next));
            case 6 -> of("bool", "{0} " + pick(random, "<", ">=", "==") + " {1}", duration(random, next), duration(random, next));
            case 7 -> of("bool", "{0} == {1}", dyn(random), leaf("dyn", pick(random, "\"pro\"", "18", "18.0", "true", "\"EUR\"")));
            case 8 -> of("bool", "{0} " + pick(random, "<", ">=") + " {1}", dyn(random), number(random, next));
            case 9 -> of("bool", "{0} in [\"pro\", \"team\"]", dyn(random));
            case 10 -> of("bool", "string({0})." + pick(random, "startsWith", "endsWith", "contains") + "(\"" + pick(random, "p", "ro", "") + "\")", dyn(random));
            case 11 -> of("bool", "{0}." + pick(random, "startsWith", "endsWith", "contains") + "(\"" + pick(random, "p", "o", "") + "\")", dyn(random));
            case 12 -> of("bool", "size({0}) " + pick(random, ">", "==") + " " + random.nextInt(3), dyn(random));
            default -> of("bool", "{0} " + pick(random, "<", "==", ">") + " {1}", number(random, next), dyn(random));
        };
    }

    private static RandomCondition number(Random random, int depth) {
        return random.nextBoolean() ? integer(random, depth) : decimal(random, depth);
    }

    private static RandomCondition integer(Random random, int depth) {
        if (depth <= 0 || random.nextInt(3) == 0) {
            return switch (random.nextInt(4)) {
                case 0 -> leaf("int", String.valueOf(random.nextInt(7) - 1));
                case 1 -> leaf("int", "count(\"" + pick(random, EVENTS) + "\")");
                case 2 -> leaf("int", pick(random, "9223372036854775807", "-9223372036854775807", "1000000000000"));
                default -> leaf("int", "count(\"" + pick(random, EVENTS) + "\", \"" + pick(random, WINDOWS) + "\")");
            };
        }
        return of("int", "({0} " + pick(random, "+", "-", "*", "/", "%") + " {1})", integer(random, depth - 1), integer(random, depth - 1));
    }

    private static RandomCondition decimal(Random random, int depth) {
        if (depth <= 0 || random.nextInt(3) == 0) {
            String event = pick(random, EVENTS);
            String property = pick(random, PROPERTIES);
            return switch (random.nextInt(5)) {
                case 0 -> leaf("double", pick(random, "0.0", "1.5", "-2.0", "100.0", "1e300"));
                case 1 -> leaf("double", "score");
                case 2 -> leaf("double", pick(random, "sum", "min", "max", "avg") + "(\"" + event + "\", \"" + property + "\")");
                case 3 -> leaf("double", pick(random, "sum", "min", "max", "avg") + "(\"" + event + "\", \"" + property + "\", \""
                        + pick(random, WINDOWS) + "\")");
                default -> of("double", "-{0}", leaf("double", "score"));
            };
        }
        return of("double", "({0} " + pick(random, "+", "-", "*", "/") + " {1})", decimal(random, depth - 1), decimal(random, depth - 1));
    }

    private static RandomCondition time(Random random, int depth) {
        if (depth <= 0 || random.nextBoolean()) {
            return switch (random.nextInt(5)) {
                case 0 -> leaf("time", "now");
                case 1 -> leaf("time", pick(random, "firstSeen", "lastSeen"));
                case 2 -> leaf("time", pick(random, "firstSeen", "lastSeen") + "(\"" + pick(random, EVENTS) + "\")");
                case 3 -> leaf("time", "timestamp(\"" + pick(random, "1970-01-01T00:00:00Z", "2026-11-01T10:00:00+02:00",
                        "2026-11-25T12:00:00.5Z") + "\")");
                default -> leaf("time", "timestamp(\"0001-01-01T00:00:00Z\")");
            };
        }
        return of("time", "({0} " + pick(random, "+", "-") + " {1})", time(random, depth - 1), duration(random, depth - 1));
    }

    private static RandomCondition duration(Random random, int depth) {
        if (depth <= 0 || random.nextBoolean()) {
            return leaf("duration", "duration(\"" + pick(random, "3d", "90m", "1h30m", "45s", "250ms", "1.5h", "0s") + "\")");
        }
        return switch (random.nextInt(3)) {
            case 0 -> of("duration", "({0} - {1})", time(random, depth - 1), time(random, depth - 1));
            case 1 -> of("duration", "({0} + {1})", duration(random, depth - 1), duration(random, depth - 1));
            default -> of("duration", "({0} - {1})", duration(random, depth - 1), duration(random, depth - 1));
        };
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
}
