package io.segflow.core.rules;

import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelLateFunctionBindings;
import java.util.Map;

/**
 * Evaluates compiled conditions in one {@link EvaluationContext}. Build one per user and instant and reuse it
 * for every segment, so that the bindings are made once.
 */
public final class ConditionEvaluator {

    /** Told about conditions that fail for a user (a trait of the wrong type, say): they count as false. */
    public interface ErrorListener {
        void onEvaluationError(CompiledCondition condition, String userId, Exception error);
    }

    private final EvaluationContext context;
    private final Map<String, Object> variables;
    private final CelLateFunctionBindings functions;
    private final ErrorListener errors;

    public ConditionEvaluator(EvaluationContext context, ErrorListener errors) {
        this.context = context;
        this.variables = ProfileVocabulary.variables(context);
        this.functions = CelLateFunctionBindings.from(ProfileVocabulary.bindings(context));
        this.errors = errors;
    }

    public boolean matches(CompiledCondition condition) {
        try {
            return Boolean.TRUE.equals(condition.program().eval(variables, functions));
        } catch (CelEvaluationException | RuntimeException e) {
            errors.onEvaluationError(condition, context.profile().userId(), e);
            return false;
        }
    }

    /** The value a condition evaluates to, or the error, for previews. */
    public Object evaluate(CompiledCondition condition) throws CelEvaluationException {
        return condition.program().eval(variables, functions);
    }
}
