package io.segflow.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segflow.core.profile.ProfileFields;
import io.segflow.core.profile.Granularity;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.Scoring;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VocabularyTest {
    private static final long NOW = 1_795_600_000_000L;
    private static final Scoring SCORING = new Scoring(Duration.ofHours(1), Map.of("page", 1.0));
    private final RuleCompiler compiler = new RuleCompiler();
    private final Map<String, String> fields = new HashMap<>();

    private final java.util.List<String> errors = new java.util.ArrayList<>();

    private boolean matches(String condition, Set<String> segments) {
        Profile profile = new Profile("u1", fields, Map.of("plan", "pro"));
        EvaluationContext context = new EvaluationContext(profile, NOW, SCORING, segments::contains);
        return new ConditionEvaluator(context, (c, u, e) -> errors.add(e.getMessage())).matches(compiler.compile(condition));
    }

    private boolean matches(String condition) {
        return matches(condition, Set.of());
    }

    @Test
    void windowedCountsCountOnlyBucketsInsideTheWindow() {
        Granularity minutes = Granularity.MINUTE;
        fields.put(ProfileFields.windowCount(minutes, "view", minutes.bucketOf(NOW - 5 * 60_000)), "2");
        fields.put(ProfileFields.windowCount(minutes, "view", minutes.bucketOf(NOW - 90 * 60_000)), "7");
        assertThat(matches("count(\"view\", \"1h\") == 2")).isTrue();
        assertThat(matches("count(\"view\", \"2h\") == 9")).isTrue();
        assertThat(matches("count(\"view\", \"2m\") == 0")).isTrue();
    }

    @Test
    void propertyAggregatesLifetimeAndWindowed() {
        fields.put(ProfileFields.aggregate("buy", "amount"), "3 60.0 10.0 30.0");
        fields.put(ProfileFields.windowAggregate(Granularity.DAY, "buy", "amount", Granularity.DAY.bucketOf(NOW)), "1 30.0 30.0 30.0");
        assertThat(matches("sum(\"buy\", \"amount\") == 60.0 && min(\"buy\", \"amount\") == 10.0")).isTrue();
        assertThat(matches("max(\"buy\", \"amount\") == 30.0 && avg(\"buy\", \"amount\") == 20.0")).isTrue();
        assertThat(matches("sum(\"buy\", \"amount\", \"30d\") == 30.0")).isTrue();
        assertThat(errors).isEmpty();
        assertThat(matches("avg(\"none\", \"amount\") < 1.0")).as("no values: undefined, so false").isFalse();
        assertThat(matches("avg(\"none\", \"amount\") >= 20 || max(\"none\", \"amount\") < 20")).isFalse();
        assertThat(matches("sum(\"none\", \"amount\") == 0.0")).isTrue();
    }

    @Test
    void scoreDecaysToNow() {
        fields.put(ProfileFields.SCORE, "8.0 " + (NOW - 3_600_000));
        assertThat(matches("score > 3.9 && score < 4.1")).isTrue();
    }

    @Test
    void seenTimesNowAndDayDurations() {
        fields.put(ProfileFields.FIRST_SEEN, Long.toString(NOW - Duration.ofDays(30).toMillis()));
        fields.put(ProfileFields.LAST_SEEN, Long.toString(NOW - Duration.ofDays(8).toMillis()));
        fields.put(ProfileFields.lastSeen("cart"), Long.toString(NOW - 60_000));
        assertThat(matches("now - lastSeen > duration(\"7d\")")).isTrue();
        assertThat(matches("now - firstSeen > duration(\"29d\") && now - firstSeen < duration(\"31d\")")).isTrue();
        assertThat(matches("now - lastSeen(\"cart\") < duration(\"5m\")")).isTrue();
        assertThat(matches("lastSeen(\"never\") == timestamp(\"1970-01-01T00:00:00Z\")")).isTrue();
    }

    @Test
    void lastValueAndOtherSegments() {
        fields.put(ProfileFields.lastValue("page", "path"), "5 \"/pricing\"");
        assertThat(matches("last(\"page\", \"path\") == \"/pricing\"")).isTrue();
        assertThat(matches("inSegment(\"vip\") && traits.plan == \"pro\"", Set.of("vip"))).isTrue();
        assertThat(matches("inSegment(\"vip\")")).isFalse();
    }

    @Test
    void readsNameWhatTimeCanChange() {
        Reads reads = compiler.compile("now - lastSeen > duration(\"7d\") || score > 10").reads();
        assertThat(reads.now()).isTrue();
        assertThat(reads.overallSeen()).isTrue();
        assertThat(reads.durationMillis()).containsExactly(Duration.ofDays(7).toMillis());
        assertThat(reads.scoreThresholds()).containsExactly(10.0);
        assertThat(reads.timeDependent()).isTrue();
        assertThat(compiler.compile("inSegment(\"vip\")").reads().segments()).containsExactly("vip");
    }

    @Test
    void refusesWhatCannotBeIndexedWithAPosition() {
        assertThatThrownBy(() -> compiler.compile("count(traits.plan) > 1"))
                .isInstanceOfSatisfying(RuleSyntaxException.class, e -> {
                    assertThat(e.getMessage()).contains("string literal");
                    assertThat(e.column()).isEqualTo(6);
                });
        assertThatThrownBy(() -> compiler.compile("count(\"a\", \"100d\") > 1"))
                .isInstanceOf(RuleSyntaxException.class).hasMessageContaining("90d");
        assertThatThrownBy(() -> compiler.compile("count(\"a\", \"1w\") > 1"))
                .isInstanceOf(RuleSyntaxException.class).hasMessageContaining("unit");
    }
}
