package io.segflow.core.rules.plan;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.ast.CelExpr.ExprKind.Kind;
import io.segflow.core.profile.Aggregate;
import io.segflow.core.profile.Window;
import io.segflow.core.rules.ProfileVocabulary;
import io.segflow.core.rules.plan.ConditionPlan.EvaluationError;
import io.segflow.core.rules.plan.ConditionPlan.LeftToCel;
import io.segflow.core.rules.plan.ConditionPlan.Node;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Translates a checked CEL syntax tree into a {@link ConditionPlan}, or none when the condition uses something the
 * plan does not cover (comprehensions, regexes, conversions, lists and maps built in the condition): those run on
 * the CEL program alone.
 */
public final class PlanCompiler {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9}(?:h|m|s|ms))+");
    private static final Pattern DURATION_PART = Pattern.compile("(\\d{1,9})(h|ms|m|s)");
    private static final Pattern TIMESTAMP = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})");
    private static final EvaluationError NO_VALUES = new EvaluationError("no values yet");

    private PlanCompiler() {
    }

    public static Optional<ConditionPlan> compile(CelAbstractSyntaxTree ast) {
        try {
            return Optional.of(new ConditionPlan(node(ast.getExpr())));
        } catch (NotPlanned e) {
            return Optional.empty();
        }
    }

    private static Node node(CelExpr expr) {
        return switch (expr.getKind()) {
            case CONSTANT -> constant(expr.constant());
            case IDENT -> variable(expr.ident().name());
            case SELECT -> select(expr);
            case CALL -> call(expr);
            default -> throw new NotPlanned();
        };
    }

    private static Node constant(CelConstant constant) {
        Object value = switch (constant.getKind()) {
            case BOOLEAN_VALUE -> constant.booleanValue();
            case INT64_VALUE -> constant.int64Value();
            case DOUBLE_VALUE -> constant.doubleValue();
            case STRING_VALUE -> constant.stringValue();
            default -> throw new NotPlanned();
        };
        return context -> value;
    }

    private static Node variable(String name) {
        return switch (name) {
            case ProfileVocabulary.TRAITS -> context -> context.profile().traits();
            case ProfileVocabulary.SCORE -> context -> context.score();
            case ProfileVocabulary.NOW -> context -> Instant.ofEpochMilli(context.nowMillis());
            case ProfileVocabulary.FIRST_SEEN -> context -> context.profile().firstSeen();
            case ProfileVocabulary.LAST_SEEN -> context -> context.profile().lastSeen();
            default -> throw new NotPlanned();
        };
    }

    /** {@code traits.plan}, or {@code has(traits.plan)} when test-only. */
    private static Node select(CelExpr expr) {
        Node operand = node(expr.select().operand());
        String field = expr.select().field();
        if (expr.select().testOnly()) {
            return context -> map(operand.eval(context)).containsKey(field);
        }
        return context -> entry(map(operand.eval(context)), field);
    }

    private static Node call(CelExpr expr) {
        String function = expr.call().function();
        List<CelExpr> arguments = expr.call().args();
        if (expr.call().target().isPresent()) {
            return method(function, node(expr.call().target().get()), arguments);
        }
        return switch (function) {
            case "_&&_" -> and(node(arguments.get(0)), node(arguments.get(1)));
            case "_||_" -> or(node(arguments.get(0)), node(arguments.get(1)));
            case "!_" -> not(node(arguments.get(0)));
            case "_?_:_" -> conditional(node(arguments.get(0)), node(arguments.get(1)), node(arguments.get(2)));
            case "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_" -> comparison(function, node(arguments.get(0)), node(arguments.get(1)));
            case "_+_", "_-_", "_*_", "_/_", "_%_" -> arithmetic(function, node(arguments.get(0)), node(arguments.get(1)));
            case "-_" -> {
                Node operand = node(arguments.get(0));
                yield context -> CelSemantics.negate(operand.eval(context));
            }
            case "_[_]" -> {
                Node operand = node(arguments.get(0));
                Node key = node(arguments.get(1));
                yield context -> {
                    Map<?, ?> map = map(operand.eval(context));
                    return key.eval(context) instanceof String name ? entry(map, name) : leftToCel();
                };
            }
            case "@in" -> in(arguments.get(0), arguments.get(1));
            case "size" -> size(node(arguments.get(0)));
            case "duration" -> duration(literal(arguments.get(0)));
            case "timestamp" -> timestamp(literal(arguments.get(0)));
            default -> profileFunction(function, arguments);
        };
    }

    /** The vocabulary's functions; their names and windows are literals, checked when the condition was compiled. */
    private static Node profileFunction(String function, List<CelExpr> arguments) {
        switch (function) {
            case ProfileVocabulary.COUNT -> {
                String event = literal(arguments.get(0));
                if (arguments.size() == 1) {
                    return context -> context.profile().count(event);
                }
                Window window = ProfileVocabulary.window(literal(arguments.get(1)));
                return context -> context.profile().count(event, window, context.nowMillis());
            }
            case ProfileVocabulary.FIRST_SEEN -> {
                String event = literal(arguments.get(0));
                return context -> context.profile().firstSeen(event);
            }
            case ProfileVocabulary.LAST_SEEN -> {
                String event = literal(arguments.get(0));
                return context -> context.profile().lastSeen(event);
            }
            case ProfileVocabulary.LAST -> {
                String event = literal(arguments.get(0));
                String property = literal(arguments.get(1));
                EvaluationError none = new EvaluationError("no value of " + property + " on " + event + " yet");
                return context -> context.profile().lastValue(event, property).orElseThrow(() -> none);
            }
            case ProfileVocabulary.IN_SEGMENT -> {
                String segment = literal(arguments.get(0));
                return context -> context.inSegment(segment);
            }
            default -> {
                if (ProfileVocabulary.AGGREGATES.contains(function)) {
                    return aggregate(function, arguments);
                }
                throw new NotPlanned();
            }
        }
    }

    private static Node aggregate(String function, List<CelExpr> arguments) {
        String event = literal(arguments.get(0));
        String property = literal(arguments.get(1));
        ToDoubleFunction<Aggregate> pick = switch (function) {
            case "sum" -> Aggregate::sum;
            case "min" -> aggregate -> defined(aggregate).min();
            case "max" -> aggregate -> defined(aggregate).max();
            default -> aggregate -> defined(aggregate).avg();
        };
        if (arguments.size() == 2) {
            return context -> pick.applyAsDouble(context.profile().aggregate(event, property));
        }
        Window window = ProfileVocabulary.window(literal(arguments.get(2)));
        return context -> pick.applyAsDouble(context.profile().aggregate(event, property, window, context.nowMillis()));
    }

    private static Aggregate defined(Aggregate aggregate) {
        if (aggregate.n() == 0) {
            throw NO_VALUES;
        }
        return aggregate;
    }

    private static Node method(String function, Node target, List<CelExpr> arguments) {
        if (function.equals("size") && arguments.isEmpty()) {
            return size(target);
        }
        if (arguments.size() != 1 || !List.of("contains", "startsWith", "endsWith").contains(function)) {
            throw new NotPlanned();
        }
        Node argument = node(arguments.get(0));
        return context -> {
            if (!(target.eval(context) instanceof String text) || !(argument.eval(context) instanceof String part)) {
                return leftToCel();
            }
            return switch (function) {
                case "contains" -> text.contains(part);
                case "startsWith" -> text.startsWith(part);
                default -> text.endsWith(part);
            };
        };
    }

    /** CEL's logical operators are commutative over errors: false wins over an error on either side. */
    private static Node and(Node left, Node right) {
        return context -> {
            Object l = outcome(left, context);
            if (Boolean.FALSE.equals(l)) {
                return false;
            }
            Object r = outcome(right, context);
            if (Boolean.FALSE.equals(r)) {
                return false;
            }
            return bothTrueOrFailure(l, r);
        };
    }

    private static Node or(Node left, Node right) {
        return context -> {
            Object l = outcome(left, context);
            if (Boolean.TRUE.equals(l)) {
                return true;
            }
            Object r = outcome(right, context);
            if (Boolean.TRUE.equals(r)) {
                return true;
            }
            if (Boolean.FALSE.equals(l) && Boolean.FALSE.equals(r)) {
                return false;
            }
            return failure(l, r);
        };
    }

    private static Object bothTrueOrFailure(Object l, Object r) {
        if (Boolean.TRUE.equals(l) && Boolean.TRUE.equals(r)) {
            return true;
        }
        return failure(l, r);
    }

    /** An operand of && or || that is an error, else left to CEL (a non-boolean operand). */
    private static Object failure(Object l, Object r) {
        if (l instanceof EvaluationError error) {
            throw error;
        }
        if (r instanceof EvaluationError error) {
            throw error;
        }
        throw LeftToCel.INSTANCE;
    }

    private static Object outcome(Node node, io.segflow.core.rules.EvaluationContext context) {
        try {
            return node.eval(context);
        } catch (EvaluationError error) {
            return error;
        }
    }

    private static Node not(Node operand) {
        return context -> operand.eval(context) instanceof Boolean value ? !value : leftToCel();
    }

    private static Node conditional(Node condition, Node then, Node otherwise) {
        return context -> {
            if (!(condition.eval(context) instanceof Boolean holds)) {
                return leftToCel();
            }
            return holds ? then.eval(context) : otherwise.eval(context);
        };
    }

    private static Node comparison(String function, Node left, Node right) {
        return switch (function) {
            case "_==_" -> context -> CelSemantics.equal(left.eval(context), right.eval(context));
            case "_!=_" -> context -> !CelSemantics.equal(left.eval(context), right.eval(context));
            case "_<_" -> context -> CelSemantics.compare(left.eval(context), right.eval(context)) < 0;
            case "_<=_" -> context -> CelSemantics.compare(left.eval(context), right.eval(context)) <= 0;
            case "_>_" -> context -> CelSemantics.compare(left.eval(context), right.eval(context)) > 0;
            default -> context -> CelSemantics.compare(left.eval(context), right.eval(context)) >= 0;
        };
    }

    private static Node arithmetic(String function, Node left, Node right) {
        return switch (function) {
            case "_+_" -> context -> CelSemantics.add(left.eval(context), right.eval(context));
            case "_-_" -> context -> CelSemantics.subtract(left.eval(context), right.eval(context));
            case "_*_" -> context -> CelSemantics.multiply(left.eval(context), right.eval(context));
            case "_/_" -> context -> CelSemantics.divide(left.eval(context), right.eval(context));
            default -> context -> CelSemantics.modulo(left.eval(context), right.eval(context));
        };
    }

    /** {@code "plan" in traits}, or a value in a list of literals ({@code traits.plan in ["pro", "team"]}). */
    private static Node in(CelExpr element, CelExpr container) {
        Node value = node(element);
        if (container.getKind() == Kind.LIST) {
            List<Object> options = new ArrayList<>();
            for (CelExpr option : container.list().elements()) {
                options.add(literal(option));
            }
            return context -> value.eval(context) instanceof String text ? options.contains(text) : leftToCel();
        }
        Node map = node(container);
        return context -> {
            Map<?, ?> entries = map(map.eval(context));
            return value.eval(context) instanceof String key ? entries.containsKey(key) : leftToCel();
        };
    }

    private static Node size(Node operand) {
        return context -> switch (operand.eval(context)) {
            case String text -> (long) text.codePointCount(0, text.length());
            case Map<?, ?> map -> (long) map.size();
            case List<?> list -> (long) list.size();
            default -> leftToCel();
        };
    }

    /** {@code duration("90m")}: whole hours, minutes, seconds and milliseconds only (day literals arrive as hours). */
    private static Node duration(String text) {
        if (!DURATION.matcher(text).matches()) {
            throw new NotPlanned();
        }
        Duration total = Duration.ZERO;
        Matcher part = DURATION_PART.matcher(text);
        while (part.find()) {
            long amount = Long.parseLong(part.group(1));
            total = total.plus(switch (part.group(2)) {
                case "h" -> Duration.ofHours(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "s" -> Duration.ofSeconds(amount);
                default -> Duration.ofMillis(amount);
            });
        }
        Duration value = total;
        return context -> value;
    }

    private static Node timestamp(String text) {
        if (!TIMESTAMP.matcher(text).matches()) {
            throw new NotPlanned();
        }
        Instant value = OffsetDateTime.parse(text).toInstant();
        if (!CelSemantics.inTimestampRange(value)) {
            throw new NotPlanned();
        }
        return context -> value;
    }

    private static String literal(CelExpr expr) {
        if (expr.getKind() != Kind.CONSTANT || expr.constant().getKind() != CelConstant.Kind.STRING_VALUE) {
            throw new NotPlanned();
        }
        return expr.constant().stringValue();
    }

    private static Map<?, ?> map(Object value) {
        if (value instanceof Map<?, ?> map) {
            return map;
        }
        throw LeftToCel.INSTANCE;
    }

    private static Object entry(Map<?, ?> map, String key) {
        Object value = map.get(key);
        if (value == null) {
            // Absent, or a JSON null (which CEL would hold as its null value): only the absent case is an error here.
            if (!map.containsKey(key)) {
                throw new EvaluationError("no such key: " + key);
            }
            throw LeftToCel.INSTANCE;
        }
        return value;
    }

    private static Object leftToCel() {
        throw LeftToCel.INSTANCE;
    }

    /** A construct the plan does not cover: the condition runs on CEL alone. */
    private static final class NotPlanned extends RuntimeException {
        NotPlanned() {
            super(null, null, false, false);
        }
    }
}
