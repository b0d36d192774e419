package io.segflow.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segflow.core.profile.Profile;
import io.segflow.core.profile.Scoring;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleCompilerTest {
    private static final long NOW = 1_795_600_000_000L;
    private final RuleCompiler compiler = new RuleCompiler();
    private final List<String> failures = new ArrayList<>();

    private boolean matches(String condition, Profile profile) {
        EvaluationContext context = new EvaluationContext(profile, NOW, Scoring.NONE, id -> false);
        return new ConditionEvaluator(context, (c, user, e) -> failures.add(user + ": " + e.getMessage()))
                .matches(compiler.compile(condition));
    }

    @Test
    void countsLifetimeEvents() {
        Profile twoCarts = Profile.ofCounts("u1", Map.of("add_to_cart", 2L), Map.of());
        assertThat(matches("count(\"add_to_cart\") >= 2", twoCarts)).isTrue();
        assertThat(matches("count(\"add_to_cart\") >= 3", twoCarts)).isFalse();
        assertThat(matches("count(\"purchase\") == 0", twoCarts)).isTrue();
    }

    @Test
    void aCountTakesArithmetic() {
        for (long probes = 1; probes <= 4; probes++) {
            Profile profile = Profile.ofCounts("u1", Map.of("probe", probes), Map.of());
            assertThat(matches("count(\"probe\") % 2 == 1", profile)).as("%d probes", probes).isEqualTo(probes % 2 == 1);
        }
    }

    @Test
    void readsTraitsIncludingNestedOnes() {
        Profile pro = Profile.ofCounts("u1", Map.of(), Map.of("plan", "pro", "age", 30L,
                "address", Map.of("country", "DE")));
        assertThat(matches("traits.plan == \"pro\" && traits.age >= 18", pro)).isTrue();
        assertThat(matches("\"plan\" in traits", pro)).isTrue();
        assertThat(matches("traits.address.country == \"DE\"", pro)).isTrue();
        assertThat(matches("\"email\" in traits", pro)).isFalse();
    }

    @Test
    void evaluationErrorCountsAsFalseAndIsReported() {
        Profile oddAge = Profile.ofCounts("u9", Map.of(), Map.of("age", "thirty"));
        assertThat(matches("traits.age >= 18", oddAge)).isFalse();
        assertThat(matches("traits.missing == 1", oddAge)).isFalse();
        assertThat(failures).hasSize(2).allMatch(f -> f.startsWith("u9: "));
    }

    @Test
    void reportsWhatAConditionReads() {
        Reads reads = compiler.compile("count(\"a\") > 1 || count(\"b\", \"1h\") > 2 && traits.plan == \"x\"").reads();
        assertThat(reads.lifetimeCounts()).containsExactly("a");
        assertThat(reads.windowedCounts()).extracting(Reads.WindowedCount::event).containsExactly("b");
        assertThat(reads.traits()).isTrue();
        assertThat(reads.timeDependent()).isTrue();
        assertThat(compiler.compile("count(\"a\") > 1").reads().traits()).isFalse();
        assertThat(compiler.compile("count(\"a\") > 1").reads().timeDependent()).isFalse();
    }

    @Test
    void syntaxErrorCarriesPosition() {
        assertThatThrownBy(() -> compiler.compile("count(\"a\") >= "))
                .isInstanceOfSatisfying(RuleSyntaxException.class, e -> {
                    assertThat(e.line()).isEqualTo(1);
                    assertThat(e.column()).isGreaterThan(1);
                    assertThat(e.getMessage()).isNotBlank();
                });
    }

    @Test
    void refusesUnknownFunctionsAndNonBooleanResults() {
        assertThatThrownBy(() -> compiler.compile("frobnicate(1)"))
                .isInstanceOf(RuleSyntaxException.class)
                .hasMessageContaining("frobnicate");
        assertThatThrownBy(() -> compiler.compile("count(\"a\")"))
                .isInstanceOf(RuleSyntaxException.class);
        assertThatThrownBy(() -> compiler.compile("count(1) > 2"))
                .isInstanceOf(RuleSyntaxException.class);
    }

    @Test
    void capsConditionSize() {
        String huge = "true" + " && true".repeat(RuleCompiler.MAX_CONDITION_LENGTH / 8);
        assertThatThrownBy(() -> compiler.compile(huge)).isInstanceOf(RuleSyntaxException.class);
        String deep = "(".repeat(200) + "true" + ")".repeat(200);
        assertThatThrownBy(() -> compiler.compile(deep)).isInstanceOf(RuleSyntaxException.class);
    }
}
