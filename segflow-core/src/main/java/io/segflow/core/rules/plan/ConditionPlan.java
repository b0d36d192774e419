package io.segflow.core.rules.plan;

import io.segflow.core.rules.EvaluationContext;

/**
 * A condition translated into a tree of plain Java nodes, so the engine evaluates the common shapes (counts,
 * windows, aggregates, traits, comparisons, arithmetic on numbers and times, logic) without the CEL interpreter.
 * CEL stays the language and the reference: the plan answers exactly as the CEL program would, and where it is
 * not sure (a runtime type it does not handle, a NaN, an out-of-range time) it says so with {@link LeftToCel}
 * and the caller runs the program instead. A differential property test holds the two to the same answers.
 */
public final class ConditionPlan {
    private final Node root;

    ConditionPlan(Node root) {
        this.root = root;
    }

    /**
     * Whether the condition holds in {@code context}.
     *
     * @throws EvaluationError where CEL's evaluation ends in an error (a missing trait, min() of no values)
     * @throws LeftToCel       where the plan leaves the answer to the CEL program
     */
    public boolean test(EvaluationContext context) {
        Object result = root.eval(context);
        if (result instanceof Boolean matches) {
            return matches;
        }
        throw LeftToCel.INSTANCE;
    }

    /** One step of the tree; returns CEL's Java values (Boolean, Long, Double, String, Instant, Duration, Map, List). */
    interface Node {
        Object eval(EvaluationContext context);
    }

    /** An error CEL's evaluation would end in. Cheap: no stack trace, since it is a normal outcome for a user. */
    public static final class EvaluationError extends RuntimeException {
        EvaluationError(String message) {
            super(message, null, false, false);
        }
    }

    /** The plan does not answer this evaluation; the CEL program must. */
    public static final class LeftToCel extends RuntimeException {
        static final LeftToCel INSTANCE = new LeftToCel();

        private LeftToCel() {
            super("left to the CEL program", null, false, false);
        }
    }
}
