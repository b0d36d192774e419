package io.segflow.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segflow.core.engine.ProfileNeeds;
import io.segflow.core.event.Event;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.Scoring;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VocabularyTest {
    private static final long NOW = 1_795_600_000_000L;
    private static final long MINUTE = 60_000;
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final Scoring SCORING = new Scoring(Duration.ofHours(1), Map.of("page", 1.0));
    private final RuleCompiler compiler = new RuleCompiler();
    /** The user's events in arrival order; each condition reads a profile they were applied to at NOW. */
    private final List<Event> events = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();

    /** Evaluates with a profile that keeps what this condition needs, as the engine would for its segment. */
    private boolean matches(String condition, Set<String> segments) {
        CompiledCondition compiled = compiler.compile(condition);
        ProfileNeeds needs = ProfileNeeds.of(List.of(compiled.reads()));
        Profile profile = new Profile("u1");
        events.forEach(event -> profile.apply(event, needs, SCORING, NOW));
        EvaluationContext context = new EvaluationContext(profile, NOW, SCORING, segments::contains);
        return new ConditionEvaluator(context, (c, u, e) -> errors.add(e.getMessage())).matches(compiled);
    }

    private boolean matches(String condition) {
        return matches(condition, Set.of());
    }

    private void track(String name, long atMillis, Map<String, Object> properties) {
        Instant at = Instant.ofEpochMilli(atMillis);
        events.add(new Event(1, "track", "m" + events.size(), "u1", null, name, null, null, null, null, properties,
                null, null, at, null, null, at, "test"));
    }

    private void track(String name, long atMillis) {
        track(name, atMillis, Map.of());
    }

    private void identify(Map<String, Object> traits) {
        Instant at = Instant.ofEpochMilli(NOW);
        events.add(new Event(1, "identify", "m" + events.size(), "u1", null, null, null, null, null, traits, null,
                null, null, at, null, null, at, "test"));
    }

    @Test
    void windowedCountsCountOnlyBucketsInsideTheWindow() {
        track("view", NOW - 5 * MINUTE);
        track("view", NOW - 5 * MINUTE);
        for (int i = 0; i < 7; i++) {
            track("view", NOW - 90 * MINUTE);
        }

        assertThat(matches("count(\"view\", \"1h\") == 2")).isTrue();
        assertThat(matches("count(\"view\", \"2h\") == 9")).isTrue();
        assertThat(matches("count(\"view\", \"2m\") == 0")).isTrue();
        assertThat(matches("count(\"view\") == 9")).isTrue();
    }

    @Test
    void anEventLeavesAWindowAtMostOneBucketLateNeverEarly() {
        long minuteStart = Math.floorDiv(NOW, MINUTE) * MINUTE;
        track("view", minuteStart - 60 * MINUTE + 1); // its minute ends 59 minutes before the minute of NOW
        assertThat(matches("count(\"view\", \"1h\") == 1")).as("its minute still overlaps the hour").isTrue();

        events.clear();
        track("view", minuteStart - 61 * MINUTE);
        assertThat(matches("count(\"view\", \"1h\") == 0")).as("its minute ended before the hour began").isTrue();
    }

    @Test
    void propertyAggregatesLifetimeAndWindowed() {
        track("buy", NOW - 60 * DAY, Map.of("amount", 10));
        track("buy", NOW - 40 * DAY, Map.of("amount", 20));
        track("buy", NOW, Map.of("amount", 30.0));

        assertThat(matches("sum(\"buy\", \"amount\") == 60.0 && min(\"buy\", \"amount\") == 10.0")).isTrue();
        assertThat(matches("max(\"buy\", \"amount\") == 30.0 && avg(\"buy\", \"amount\") == 20.0")).isTrue();
        assertThat(matches("sum(\"buy\", \"amount\", \"30d\") == 30.0")).isTrue();
        assertThat(matches("avg(\"buy\", \"amount\", \"50d\") == 25.0")).isTrue();
        assertThat(errors).isEmpty();
        assertThat(matches("avg(\"none\", \"amount\") < 1.0")).as("no values: undefined, so false").isFalse();
        assertThat(matches("avg(\"none\", \"amount\") >= 20 || max(\"none\", \"amount\") < 20")).isFalse();
        assertThat(matches("sum(\"none\", \"amount\") == 0.0")).isTrue();
    }

    @Test
    void scoreDecaysToNow() {
        for (int i = 0; i < 8; i++) {
            track("page", NOW - 3_600_000);
        }

        assertThat(matches("score > 3.9 && score < 4.1")).as("8 one half-life ago").isTrue();
    }

    @Test
    void seenTimesNowAndDayDurations() {
        track("page", NOW - 30 * DAY);
        track("page", NOW - 8 * DAY);
        track("cart", NOW - MINUTE);

        assertThat(matches("now - lastSeen(\"page\") > duration(\"7d\")")).isTrue();
        assertThat(matches("now - firstSeen > duration(\"29d\") && now - firstSeen < duration(\"31d\")")).isTrue();
        assertThat(matches("now - lastSeen < duration(\"5m\") && now - lastSeen(\"cart\") < duration(\"5m\")")).isTrue();
        assertThat(matches("lastSeen(\"never\") == timestamp(\"1970-01-01T00:00:00Z\")")).isTrue();
    }

    @Test
    void lastValueAndOtherSegments() {
        identify(Map.of("plan", "pro"));
        track("page", NOW - 5, Map.of("path", "/pricing"));
        track("page", NOW - 10, Map.of("path", "/home")); // arrives later, happened earlier

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
