package io.segflow.core.rules;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.ast.CelExpr.ExprKind.Kind;
import dev.cel.common.internal.DateTimeHelpers;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.navigation.CelNavigableExpr;
import dev.cel.runtime.RuntimeHelpers;
import io.segflow.core.rules.Reads.PropertyAggregate;
import io.segflow.core.rules.Reads.PropertyRef;
import io.segflow.core.rules.Reads.WindowedCount;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Walks a checked syntax tree and collects its {@link Reads}; refuses what the engine could not index. */
final class ReadsCollector {
    private static final Set<String> COMPARISONS = Set.of("_<_", "_<=_", "_>_", "_>=_", "_==_", "_!=_");
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(h|ms|us|ns|m|s)");

    private final CelAbstractSyntaxTree ast;
    private final Set<String> lifetimeCounts = new HashSet<>();
    private final Set<WindowedCount> windowedCounts = new HashSet<>();
    private final Set<PropertyAggregate> aggregates = new HashSet<>();
    private final Set<String> seenEvents = new HashSet<>();
    private final Set<PropertyRef> lastValues = new HashSet<>();
    private final Set<String> segments = new HashSet<>();
    private final Set<Long> durations = new HashSet<>();
    private final Set<Instant> timestamps = new HashSet<>();
    private final Set<Double> scoreThresholds = new HashSet<>();
    private boolean traits;
    private boolean score;
    private boolean overallSeen;
    private boolean now;

    private ReadsCollector(CelAbstractSyntaxTree ast) {
        this.ast = ast;
    }

    static Reads collect(CelAbstractSyntaxTree ast) {
        ReadsCollector collector = new ReadsCollector(ast);
        CelNavigableAst.fromAst(ast).getRoot().allNodes().map(CelNavigableExpr::expr).forEach(collector::visit);
        return collector.reads();
    }

    private Reads reads() {
        return new Reads(Set.copyOf(lifetimeCounts), Set.copyOf(windowedCounts), Set.copyOf(aggregates), Set.copyOf(seenEvents),
                Set.copyOf(lastValues), Set.copyOf(segments), traits, score, overallSeen, now, withSums(durations),
                Set.copyOf(timestamps), Set.copyOf(scoreThresholds));
    }

    /**
     * The durations and, where a condition has several ({@code duration("6d") + duration("1d")}), every sum of two or
     * more of them: a deadline may lie any of those away from a timestamp. Up to six durations (57 sums); past that,
     * the durations alone.
     */
    private static Set<Long> withSums(Set<Long> durations) {
        if (durations.size() < 2 || durations.size() > 6) {
            return Set.copyOf(durations);
        }
        List<Long> parts = List.copyOf(durations);
        Set<Long> all = new HashSet<>(durations);
        for (int subset = 1; subset < 1 << parts.size(); subset++) {
            if (Integer.bitCount(subset) >= 2) {
                long sum = 0;
                for (int i = 0; i < parts.size(); i++) {
                    if ((subset >> i & 1) == 1) {
                        sum += parts.get(i);
                    }
                }
                all.add(sum);
            }
        }
        return Set.copyOf(all);
    }

    private void visit(CelExpr expr) {
        if (expr.getKind() == Kind.IDENT) {
            switch (expr.ident().name()) {
                case ProfileVocabulary.TRAITS -> traits = true;
                case ProfileVocabulary.SCORE -> score = true;
                case ProfileVocabulary.NOW -> now = true;
                case ProfileVocabulary.FIRST_SEEN, ProfileVocabulary.LAST_SEEN -> overallSeen = true;
                default -> {
                }
            }
            return;
        }
        if (expr.getKind() != Kind.CALL) {
            return;
        }
        String function = expr.call().function();
        List<CelExpr> args = expr.call().args();
        switch (function) {
            case ProfileVocabulary.COUNT -> {
                String event = literal(expr, args.get(0), "the event name");
                if (args.size() == 1) {
                    lifetimeCounts.add(event);
                } else {
                    windowedCounts.add(new WindowedCount(event, window(expr, args.get(1))));
                }
            }
            case "sum", "min", "max", "avg" -> aggregates.add(new PropertyAggregate(
                    literal(expr, args.get(0), "the event name"), literal(expr, args.get(1), "the property name"),
                    args.size() > 2 ? window(expr, args.get(2)) : null, function));
            case ProfileVocabulary.FIRST_SEEN, ProfileVocabulary.LAST_SEEN ->
                    seenEvents.add(literal(expr, args.get(0), "the event name"));
            case ProfileVocabulary.LAST -> lastValues.add(new PropertyRef(
                    literal(expr, args.get(0), "the event name"), literal(expr, args.get(1), "the property name")));
            case ProfileVocabulary.IN_SEGMENT -> segments.add(literal(expr, args.get(0), "the segment id"));
            case "duration" -> {
                if (isString(args.get(0))) {
                    checkDurationLiteral(args.get(0));
                    durations.add(durationMillis(expr, args.get(0).constant().stringValue()));
                }
            }
            case "timestamp" -> {
                if (isString(args.get(0))) {
                    checkTimestampLiteral(args.get(0));
                    try {
                        timestamps.add(Instant.parse(args.get(0).constant().stringValue()));
                    } catch (DateTimeParseException ignored) {
                        // a form CEL reads and Instant does not: no time to schedule a flip at
                    }
                }
            }
            case "matches" -> {
                CelExpr pattern = args.get(args.size() - 1);
                if (isString(pattern)) {
                    try {
                        com.google.re2j.Pattern.compile(pattern.constant().stringValue());
                    } catch (com.google.re2j.PatternSyntaxException e) {
                        throw error(pattern, "matches(): the regular expression is invalid: " + e.getDescription());
                    }
                }
            }
            default -> {
                if (COMPARISONS.contains(function)) {
                    scoreThreshold(args.get(0), args.get(1));
                    scoreThreshold(args.get(1), args.get(0));
                }
            }
        }
    }

    /** {@code score > 10}: remember 10, so the moment decay crosses it can be scheduled. */
    private void scoreThreshold(CelExpr side, CelExpr other) {
        if (side.getKind() == Kind.IDENT && ProfileVocabulary.SCORE.equals(side.ident().name())
                && other.getKind() == Kind.CONSTANT) {
            CelConstant constant = other.constant();
            switch (constant.getKind()) {
                case INT64_VALUE -> scoreThresholds.add((double) constant.int64Value());
                case DOUBLE_VALUE -> scoreThresholds.add(constant.doubleValue());
                default -> {
                }
            }
        }
    }

    private static boolean isString(CelExpr expr) {
        return expr.getKind() == Kind.CONSTANT && expr.constant().getKind() == CelConstant.Kind.STRING_VALUE;
    }

    private String literal(CelExpr call, CelExpr argument, String what) {
        if (!isString(argument)) {
            throw error(call, call.call().function() + "(): " + what + " must be a string literal");
        }
        return argument.constant().stringValue();
    }

    private io.segflow.core.profile.Window window(CelExpr call, CelExpr argument) {
        String text = literal(call, argument, "the window");
        try {
            return ProfileVocabulary.window(text);
        } catch (IllegalArgumentException e) {
            throw error(argument, call.call().function() + "(): " + e.getMessage());
        }
    }

    /**
     * CEL's checker lets any string through {@code duration(...)}; the runtime then fails it at every evaluation, so
     * the condition would hold for nobody. Read it as the runtime does, once, at save.
     */
    private void checkDurationLiteral(CelExpr literal) {
        String text = literal.constant().stringValue();
        try {
            RuntimeHelpers.createJavaDurationFromString(text);
        } catch (RuntimeException e) {
            throw error(literal, "duration(): '" + text + "' is not a duration: a number and a unit h, m, s, ms, us, ns,"
                    + " or a whole number of days, e.g. \"7d\", \"36h\", \"1h30m\"");
        }
    }

    /** As {@link #checkDurationLiteral}, for {@code timestamp(...)}. */
    private void checkTimestampLiteral(CelExpr literal) {
        String text = literal.constant().stringValue();
        try {
            DateTimeHelpers.parse(text);
        } catch (RuntimeException e) {
            throw error(literal, "timestamp(): '" + text + "' is not an RFC 3339 time, e.g. \"2026-01-31T00:00:00Z\"");
        }
    }

    private long durationMillis(CelExpr call, String text) {
        Matcher matcher = DURATION_PART.matcher(text.startsWith("-") ? text.substring(1) : text);
        double millis = 0;
        int consumed = 0;
        while (matcher.find() && matcher.start() == consumed) {
            double amount = Double.parseDouble(matcher.group(1));
            millis += switch (matcher.group(2)) {
                case "h" -> amount * 3_600_000;
                case "m" -> amount * 60_000;
                case "s" -> amount * 1_000;
                case "ms" -> amount;
                case "us" -> amount / 1_000;
                default -> amount / 1_000_000;
            };
            consumed = matcher.end();
        }
        return (long) millis;
    }

    private RuleSyntaxException error(CelExpr expr, String message) {
        int offset = ast.getSource().getPositionsMap().getOrDefault(expr.id(), 0);
        var location = ast.getSource().getOffsetLocation(offset);
        return new RuleSyntaxException(message,
                location.map(l -> Math.max(1, l.getLine())).orElse(1),
                location.map(l -> l.getColumn() + 1).orElse(1));
    }
}
