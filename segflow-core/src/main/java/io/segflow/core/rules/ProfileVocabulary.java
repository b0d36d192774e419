package io.segflow.core.rules;

import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.CelVarDecl;
import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelMacro;
import dev.cel.runtime.CelFunctionBinding;
import io.segflow.core.profile.Aggregate;
import io.segflow.core.profile.Window;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The names a segment condition can use: declared here for the compiler, and bound to one evaluation's
 * profile and clock in {@link #bindings(Supplier)}.
 *
 * <pre>
 * traits, score, now, firstSeen, lastSeen
 * count(e) count(e, window) sum|min|max|avg(e, property[, window]) firstSeen(e) lastSeen(e) last(e, property)
 * inSegment(id)
 * </pre>
 */
public final class ProfileVocabulary {
    public static final String TRAITS = "traits";
    public static final String SCORE = "score";
    public static final String NOW = "now";
    public static final String FIRST_SEEN = "firstSeen";
    public static final String LAST_SEEN = "lastSeen";
    public static final String COUNT = "count";
    public static final String LAST = "last";
    public static final String IN_SEGMENT = "inSegment";
    public static final List<String> AGGREGATES = List.of("sum", "min", "max", "avg");

    private static final Map<String, Window> WINDOWS = new ConcurrentHashMap<>();

    private ProfileVocabulary() {
    }

    public static List<CelVarDecl> variables() {
        return List.of(
                CelVarDecl.newVarDeclaration(TRAITS, MapType.create(SimpleType.STRING, SimpleType.DYN)),
                CelVarDecl.newVarDeclaration(SCORE, SimpleType.DOUBLE),
                CelVarDecl.newVarDeclaration(NOW, SimpleType.TIMESTAMP),
                CelVarDecl.newVarDeclaration(FIRST_SEEN, SimpleType.TIMESTAMP),
                CelVarDecl.newVarDeclaration(LAST_SEEN, SimpleType.TIMESTAMP));
    }

    public static List<CelFunctionDecl> functions() {
        List<CelFunctionDecl> functions = new ArrayList<>();
        functions.add(CelFunctionDecl.newFunctionDeclaration(COUNT,
                global("count_event", "lifetime count of an event", SimpleType.INT, SimpleType.STRING),
                global("count_event_window", "count of an event within a window such as \"1h\"", SimpleType.INT,
                        SimpleType.STRING, SimpleType.STRING)));
        for (String aggregate : AGGREGATES) {
            functions.add(CelFunctionDecl.newFunctionDeclaration(aggregate,
                    global(aggregate + "_event_property", aggregate + " of a numeric property, lifetime", SimpleType.DOUBLE,
                            SimpleType.STRING, SimpleType.STRING),
                    global(aggregate + "_event_property_window", aggregate + " of a numeric property within a window",
                            SimpleType.DOUBLE, SimpleType.STRING, SimpleType.STRING, SimpleType.STRING)));
        }
        functions.add(CelFunctionDecl.newFunctionDeclaration(FIRST_SEEN,
                global("firstSeen_event", "when an event was first seen (1970 if never)", SimpleType.TIMESTAMP, SimpleType.STRING)));
        functions.add(CelFunctionDecl.newFunctionDeclaration(LAST_SEEN,
                global("lastSeen_event", "when an event was last seen (1970 if never)", SimpleType.TIMESTAMP, SimpleType.STRING)));
        functions.add(CelFunctionDecl.newFunctionDeclaration(LAST,
                global("last_event_property", "last value of a property of an event", SimpleType.DYN,
                        SimpleType.STRING, SimpleType.STRING)));
        functions.add(CelFunctionDecl.newFunctionDeclaration(IN_SEGMENT,
                global("inSegment_id", "whether the user is in another segment", SimpleType.BOOL, SimpleType.STRING)));
        return functions;
    }

    /** {@code duration("7d")}: CEL durations know no days; rewrite day literals to hours at parse time. */
    public static CelMacro dayDurations() {
        return CelMacro.newGlobalMacro("duration", 1, (factory, target, arguments) -> {
            var argument = arguments.get(0);
            if (argument.getKind() != dev.cel.common.ast.CelExpr.ExprKind.Kind.CONSTANT
                    || argument.constant().getKind() != dev.cel.common.ast.CelConstant.Kind.STRING_VALUE) {
                return Optional.empty();
            }
            String text = argument.constant().stringValue();
            if (!text.matches("\\d+d")) {
                return Optional.empty();
            }
            long hours = Long.parseLong(text.substring(0, text.length() - 1)) * 24;
            return Optional.of(factory.newGlobalCall("duration", factory.newStringLiteral(hours + "h")));
        });
    }

    private static CelOverloadDecl global(String id, String doc, CelType result, CelType... parameters) {
        return CelOverloadDecl.newGlobalOverload(id, doc, result, parameters);
    }

    // min, max and avg of no values are undefined: an evaluation error, so the condition is false
    // (CEL would compare NaN with an int as true). sum of no values is 0.
    private static double min(Aggregate aggregate) {
        return defined(aggregate).min();
    }

    private static double max(Aggregate aggregate) {
        return defined(aggregate).max();
    }

    private static double avg(Aggregate aggregate) {
        return defined(aggregate).avg();
    }

    private static Aggregate defined(Aggregate aggregate) {
        if (aggregate.n() == 0) {
            throw new IllegalStateException("no values yet");
        }
        return aggregate;
    }

    /** The window a literal such as "7d" names, parsed once per text. */
    public static Window window(String text) {
        return WINDOWS.computeIfAbsent(text, Window::parse);
    }

    public static Map<String, Object> variables(EvaluationContext context) {
        return Map.of(
                TRAITS, context.profile().traits(),
                SCORE, context.score(),
                NOW, Instant.ofEpochMilli(context.nowMillis()),
                FIRST_SEEN, context.profile().firstSeen(),
                LAST_SEEN, context.profile().lastSeen());
    }

    /**
     * Functions bound late, so that one compiled program serves every profile and instant; they read the context
     * {@code current} holds when they are called, so one set of bindings serves every evaluation of a thread.
     */
    public static List<CelFunctionBinding> bindings(Supplier<EvaluationContext> current) {
        List<CelFunctionBinding> bindings = new ArrayList<>();
        bindings.add(CelFunctionBinding.from("count_event", String.class, event -> current.get().profile().count(event)));
        bindings.add(CelFunctionBinding.from("count_event_window", String.class, String.class,
                (event, window) -> current.get().profile().count(event, window(window), current.get().nowMillis())));
        for (String aggregate : AGGREGATES) {
            ToDoubleFunction<Aggregate> pick = switch (aggregate) {
                case "sum" -> Aggregate::sum;
                case "min" -> ProfileVocabulary::min;
                case "max" -> ProfileVocabulary::max;
                default -> ProfileVocabulary::avg;
            };
            bindings.add(CelFunctionBinding.from(aggregate + "_event_property", String.class, String.class,
                    (event, property) -> pick.applyAsDouble(current.get().profile().aggregate(event, property))));
            bindings.add(CelFunctionBinding.from(aggregate + "_event_property_window",
                    List.of(String.class, String.class, String.class),
                    args -> pick.applyAsDouble(current.get().profile().aggregate((String) args[0], (String) args[1],
                            window((String) args[2]), current.get().nowMillis()))));
        }
        bindings.add(CelFunctionBinding.from("firstSeen_event", String.class, event -> current.get().profile().firstSeen(event)));
        bindings.add(CelFunctionBinding.from("lastSeen_event", String.class, event -> current.get().profile().lastSeen(event)));
        bindings.add(CelFunctionBinding.from("last_event_property", String.class, String.class,
                (event, property) -> current.get().profile().lastValue(event, property)
                        .orElseThrow(() -> new IllegalStateException("no value of " + property + " on " + event + " yet"))));
        bindings.add(CelFunctionBinding.from("inSegment_id", String.class, id -> current.get().inSegment(id)));
        return bindings;
    }
}
