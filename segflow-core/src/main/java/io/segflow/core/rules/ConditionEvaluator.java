package io.segflow.core.rules;

import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelLateFunctionBindings;
import io.segflow.core.rules.plan.ConditionPlan;
import java.util.Map;

/**
 * Evaluates compiled conditions in an {@link EvaluationContext}. The function bindings are made once per evaluator
 * and read the current context: {@link #reset} it for the next user or instant instead of building another one.
 * Not thread-safe.
 */
public final class ConditionEvaluator {

    /** Told about conditions that fail for a user (a trait of the wrong type, say): they count as false. */
    public interface ErrorListener {
        void onEvaluationError(CompiledCondition condition, String userId, Exception error);
    }

    private EvaluationContext context;
    private Map<String, Object> variables;
    private final CelLateFunctionBindings functions;
    private final ErrorListener errors;

    public ConditionEvaluator(EvaluationContext context, ErrorListener errors) {
        this.errors = errors;
        this.functions = CelLateFunctionBindings.from(ProfileVocabulary.bindings(() -> this.context));
        reset(context);
    }

    /** Evaluates in {@code next} from now on. */
    public ConditionEvaluator reset(EvaluationContext next) {
        this.context = next;
        this.variables = null;
        return this;
    }

    /** Whether the condition holds; an evaluation error counts as false and is reported. */
    public boolean matches(CompiledCondition condition) {
        try {
            if (condition.plan() != null) {
                try {
                    return condition.plan().test(context);
                } catch (ConditionPlan.LeftToCel leftToCel) {
                    // an answer the plan does not give: the program decides below
                }
            }
            return Boolean.TRUE.equals(condition.program().eval(variables(), functions));
        } catch (CelEvaluationException | RuntimeException e) {
            errors.onEvaluationError(condition, context.profile().userId(), e);
            return false;
        }
    }

    /** The value a condition evaluates to, or the error, for previews: always the CEL program, the reference. */
    public Object evaluate(CompiledCondition condition) throws CelEvaluationException {
        return condition.program().eval(variables(), functions);
    }

    /** The program's variables, made only when a program runs (the score, say, costs a decay computation). */
    private Map<String, Object> variables() {
        if (variables == null) {
            variables = ProfileVocabulary.variables(context);
        }
        return variables;
    }
}
