package io.segflow.core.rules;

import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelLateFunctionBindings;
import io.segflow.core.profile.Profile;
import java.util.Map;

/**
 * Evaluates compiled conditions against one profile. Build one per profile and reuse it for every segment,
 * so the bindings are made once.
 */
public final class ConditionEvaluator {

    /** Told about conditions that fail for a user (a trait of the wrong type, say): they count as false. */
    public interface ErrorListener {
        void onEvaluationError(CompiledCondition condition, String userId, Exception error);
    }

    private final Profile profile;
    private final Map<String, Object> variables;
    private final CelLateFunctionBindings functions;
    private final ErrorListener errors;

    public ConditionEvaluator(Profile profile, ErrorListener errors) {
        this.profile = profile;
        this.variables = Map.of(ProfileVocabulary.TRAITS, profile.traits());
        this.functions = CelLateFunctionBindings.from(ProfileVocabulary.bindings(profile));
        this.errors = errors;
    }

    public boolean matches(CompiledCondition condition) {
        try {
            return Boolean.TRUE.equals(condition.program().eval(variables, functions));
        } catch (CelEvaluationException | RuntimeException e) {
            errors.onEvaluationError(condition, profile.userId(), e);
            return false;
        }
    }
}
