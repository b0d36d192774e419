package io.segflow.core.rules;

import dev.cel.common.ast.CelExpr;

/**
 * The most loop iterations a condition can make over the lists written in it: CEL's comprehensions ({@code exists},
 * {@code all}, {@code map}, {@code filter}) nest, so {@code [0..9].exists(a, [0..9].exists(b, ...))} twelve deep is
 * 10^12 iterations in a few hundred characters. Refused at save when above the budget; ranges over a user's values
 * (a trait's list) are unknown here and are bounded per evaluation instead ({@link RuleCompiler#MAX_ITERATIONS}).
 */
final class IterationBound {

    private IterationBound() {
    }

    /** An upper bound on the iterations over literal ranges, saturating at Long.MAX_VALUE. */
    static long of(CelExpr expr) {
        return switch (expr.getKind()) {
            case COMPREHENSION -> {
                var loop = expr.comprehension();
                long perIteration = add(1, add(of(loop.loopStep()), of(loop.loopCondition())));
                long body = multiply(rangeSize(loop.iterRange()), perIteration);
                yield add(add(of(loop.iterRange()), of(loop.accuInit())), add(of(loop.result()), body));
            }
            case CALL -> {
                long sum = expr.call().target().map(IterationBound::of).orElse(0L);
                for (CelExpr argument : expr.call().args()) {
                    sum = add(sum, of(argument));
                }
                yield sum;
            }
            case SELECT -> of(expr.select().operand());
            case LIST -> {
                long sum = 0;
                for (CelExpr element : expr.list().elements()) {
                    sum = add(sum, of(element));
                }
                yield sum;
            }
            case MAP -> {
                long sum = 0;
                for (var entry : expr.map().entries()) {
                    sum = add(sum, add(of(entry.key()), of(entry.value())));
                }
                yield sum;
            }
            default -> 0;
        };
    }

    /** Elements of a range written in the condition; 1 for a range only known when evaluated. */
    private static long rangeSize(CelExpr range) {
        return switch (range.getKind()) {
            case LIST -> range.list().elements().size();
            case MAP -> range.map().entries().size();
            default -> 1;
        };
    }

    private static long add(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    private static long multiply(long a, long b) {
        return a != 0 && b > Long.MAX_VALUE / a ? Long.MAX_VALUE : a * b;
    }
}
