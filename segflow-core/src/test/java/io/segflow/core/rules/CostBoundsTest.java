package io.segflow.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segflow.core.profile.Profile;
import io.segflow.core.profile.Scoring;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A condition's evaluation cost is bounded: refused at save when its own loops are too big, cut off when evaluated. */
class CostBoundsTest {
    private static final String DIGITS = "[0,1,2,3,4,5,6,7,8,9]";
    private final RuleCompiler compiler = new RuleCompiler();
    private final List<Exception> errors = new ArrayList<>();

    @Test
    void nestedLoopsOverLiteralListsAreRefusedAtSave() {
        // Twelve nested exists over ten digits: 10^12 iterations in under 500 characters.
        String condition = "count(\"view\") >= 0";
        for (int depth = 0; depth < 12; depth++) {
            condition = DIGITS + ".exists(v" + depth + ", " + condition + ")";
        }
        String deep = condition;
        assertThat(deep.length()).isLessThan(RuleCompiler.MAX_CONDITION_LENGTH);
        assertThatThrownBy(() -> compiler.compile(deep))
                .isInstanceOf(RuleSyntaxException.class)
                .hasMessageContaining("at most " + RuleCompiler.MAX_ITERATIONS + " iterations");
    }

    @Test
    void loopsWithinTheBudgetAreAccepted() {
        String twoDeep = DIGITS + ".exists(a, " + DIGITS + ".exists(b, a * 10 + b == count(\"view\")))";
        CompiledCondition condition = compiler.compile(twoDeep);
        assertThat(matches(condition, Map.of("view", 42L), Map.of())).isTrue();
        assertThat(errors).isEmpty();
    }

    @Test
    void loopsOverAUsersValuesAreCutOffWhenEvaluatedAndCountAsAnError() {
        // The range is a trait: unknown at save, bounded when evaluated.
        CompiledCondition condition = compiler.compile(
                "traits.ids.exists(a, traits.ids.exists(b, a + b == -1))");
        List<Long> ids = IntStream.range(0, 100).mapToObj(i -> (long) i).collect(Collectors.toList());

        assertThat(matches(condition, Map.of(), Map.of("ids", ids))).isFalse();
        assertThat(errors).singleElement().satisfies(e -> assertThat(e).hasMessageContaining("Iteration budget exceeded"));
        assertThat(matches(compiler.compile("traits.ids.exists(a, a == 99)"), Map.of(), Map.of("ids", ids))).isTrue();
    }

    @Test
    void anInvalidRegularExpressionIsRefusedAtSave() {
        assertThatThrownBy(() -> compiler.compile("traits.email.matches(\"[a-z\")"))
                .isInstanceOf(RuleSyntaxException.class)
                .hasMessageContaining("regular expression");
        assertThatThrownBy(() -> compiler.compile("matches(traits.email, \"(?<\")"))
                .isInstanceOf(RuleSyntaxException.class);
        assertThat(compiler.compile("traits.email.matches(\"^[a-z]+@acme\\\\.com$\")")).isNotNull();
    }

    private boolean matches(CompiledCondition condition, Map<String, Long> counts, Map<String, Object> traits) {
        Profile profile = Profile.ofCounts("u1", counts, traits);
        EvaluationContext context = new EvaluationContext(profile, 0, Scoring.NONE, id -> false);
        return new ConditionEvaluator(context, (c, user, e) -> errors.add(e)).matches(condition);
    }
}
