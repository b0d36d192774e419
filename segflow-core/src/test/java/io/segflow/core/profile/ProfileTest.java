package io.segflow.core.profile;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.engine.ProfileNeeds;
import io.segflow.core.event.Event;
import io.segflow.core.rules.Reads.PropertyRef;
import io.segflow.core.rules.RuleCompiler;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How one event changes a profile: what is kept, in which bucket, and what the reads answer afterwards. */
class ProfileTest {
    private static final long NOW = 1_795_600_000_000L;
    private static final long MINUTE = 60_000;
    private static final long DAY = 24 * 60 * MINUTE;
    private static final Scoring SCORING = new Scoring(Duration.ofSeconds(1), Map.of("view", 4.0));

    private final Profile profile = new Profile("u1");

    @Test
    void aLateEventCountsInTheBucketOfItsOwnTime() {
        ProfileNeeds needs = needsOf("count(\"view\", \"30m\") >= 1");
        Window window = Window.parse("30m");
        long at = NOW - 10 * MINUTE;

        profile.apply(track("view", at, Map.of()), needs, SCORING, NOW);

        long leaves = (Math.floorDiv(at, MINUTE) + 1) * MINUTE + window.millis();
        assertThat(profile.count("view", window, NOW)).isEqualTo(1);
        assertThat(profile.nextWindowChange("view", null, window, NOW)).hasValue(leaves);
        assertThat(profile.count("view", window, leaves - 1)).isEqualTo(1);
        assertThat(profile.count("view", window, leaves)).isZero();
    }

    @Test
    void anEventOlderThanEveryWindowCountsOnlyInItsLifetimeData() {
        ProfileNeeds needs = needsOf("sum(\"buy\", \"amount\", \"1h\") > 0 && sum(\"buy\", \"amount\") > 0");

        profile.apply(track("buy", NOW - 91 * DAY, Map.of("amount", 7)), needs, SCORING, NOW);

        assertThat(profile.count("buy")).isEqualTo(1);
        assertThat(profile.aggregate("buy", "amount")).isEqualTo(new Aggregate(1, 7, 7, 7));
        assertThat(profile.count("buy", Window.parse("90d"), NOW)).isZero();
        assertThat(profile.bucketCount()).isZero();
    }

    @Test
    void aReplayAddsNoEventFromBeforeTheFirstOfItsNameThisProfileCounted() {
        // The user was erased after a purchase of 100 and bought again for 5: the log still holds the 100, which the
        // profile started again must not take in when a new segment's sum is replayed.
        profile.apply(track("buy", NOW - 10 * MINUTE, Map.of("amount", 5)), ProfileNeeds.NONE, SCORING, NOW);
        ProfileNeeds sum = needsOf("sum(\"buy\", \"amount\", \"30d\") > 50");
        ProfileNeeds only = sum.only(java.util.Set.of(new PropertyRef("buy", "amount")));

        assertThat(profile.replay(track("buy", NOW - DAY, Map.of("amount", 100)), only, NOW)).isFalse();
        assertThat(profile.replay(track("buy", NOW - 10 * MINUTE, Map.of("amount", 5)), only, NOW)).isTrue();
        assertThat(profile.aggregate("buy", "amount", Window.parse("30d"), NOW).sum()).isEqualTo(5.0);
    }

    @Test
    void aPropertyValueOlderThanItsWindowsIsNotKeptThoughItsEventStillCounts() {
        ProfileNeeds needs = needsOf("sum(\"buy\", \"amount\", \"1h\") > 0");

        profile.apply(track("buy", NOW - 2 * 60 * MINUTE, Map.of("amount", 7)), needs, SCORING, NOW);

        assertThat(profile.aggregate("buy", "amount", Window.parse("1h"), NOW)).isEqualTo(Aggregate.EMPTY);
        assertThat(profile.aggregate("buy", "amount", Window.parse("3h"), NOW)).isEqualTo(Aggregate.EMPTY);
        assertThat(profile.count("buy", Window.parse("3h"), NOW)).isEqualTo(1);
    }

    @Test
    void bucketsNoWindowCanCountAnyMoreAreDroppedByTheNextUpdate() {
        profile.apply(track("view", NOW, Map.of()), ProfileNeeds.NONE, SCORING, NOW);
        assertThat(profile.bucketCount()).as("one bucket per granularity").isEqualTo(4);

        long later = NOW + 20 * MINUTE;
        profile.apply(track("view", later, Map.of()), ProfileNeeds.NONE, SCORING, later);
        assertThat(profile.bucketCount()).as("the first event's second bucket is gone").isEqualTo(4 + 3 - 1);

        long muchLater = NOW + 91 * DAY;
        profile.apply(track("view", muchLater, Map.of()), ProfileNeeds.NONE, SCORING, muchLater);
        assertThat(profile.bucketCount()).isEqualTo(4);
        assertThat(profile.count("view")).isEqualTo(3);
        assertThat(profile.count("view", Window.parse("90d"), muchLater)).isEqualTo(1);
    }

    @Test
    void everyEventNameKeepsAHistoryThatAnswersAnyWindowNoSegmentReadBefore() {
        long[] ago = {3 * DAY, 2 * DAY + 5 * 60 * MINUTE, 2 * DAY, 30 * MINUTE, 30_000};
        for (long millis : ago) {
            profile.apply(track("view", NOW - millis, Map.of("price", 9)), ProfileNeeds.NONE, SCORING, NOW - millis);
        }
        profile.apply(track("buy", NOW - 40 * DAY, Map.of()), ProfileNeeds.NONE, SCORING, NOW - 40 * DAY);

        assertThat(profile.count("view", Window.parse("7d"), NOW)).isEqualTo(5);
        assertThat(profile.count("view", Window.parse("48h"), NOW)).as("hour buckets: the 2-day-old one is at most an hour late")
                .isEqualTo(3);
        assertThat(profile.count("view", Window.parse("1h"), NOW)).isEqualTo(2);
        assertThat(profile.count("view", Window.parse("90s"), NOW)).isEqualTo(1);
        assertThat(profile.count("buy", Window.parse("45d"), NOW)).isEqualTo(1);
        assertThat(profile.count("buy", Window.parse("30d"), NOW)).isZero();
        assertThat(profile.aggregates()).as("property values only where segments read them").isEmpty();
    }

    @Test
    void onlyWhatSegmentsReadIsKeptOfProperties() {
        profile.apply(track("buy", NOW, Map.of("amount", 7)), ProfileNeeds.NONE, SCORING, NOW);

        assertThat(profile.counts()).containsExactly(Map.entry("buy", 1L));
        assertThat(profile.lastSeen("buy")).isEqualTo(Instant.ofEpochMilli(NOW));
        assertThat(profile.aggregates()).isEmpty();
        assertThat(profile.lastValue("buy", "amount")).isEmpty();
        assertThat(profile.aggregate("buy", "amount", Window.parse("1h"), NOW)).isEqualTo(Aggregate.EMPTY);
    }

    @Test
    void forgettingPropertiesDropsTheirValuesEvenWhereAnEventNameKeptNone() {
        ProfileNeeds needs = needsOf("last(\"page\", \"path\") == \"/\"");
        profile.apply(track("page", NOW, Map.of("path", "/a")), needs, SCORING, NOW);
        profile.apply(track("view", NOW, Map.of("path", "/a")), needs, SCORING, NOW); // keeps no value, no aggregate

        profile.forget(Set.of(new PropertyRef("page", "path"), new PropertyRef("view", "path")));
        assertThat(profile.lastValue("page", "path")).isEmpty();
        assertThat(profile.counts()).containsEntry("view", 1L);

        profile.apply(track("page", NOW + 1, Map.of("path", "/b")), needs, SCORING, NOW + 1);
        assertThat(profile.lastValue("page", "path")).isEqualTo(Optional.of("/b"));
    }

    @Test
    void aLateWeightedEventAddsItsWeightDecayedToTheScoresTime() {
        ProfileNeeds needs = needsOf("score > 1");

        profile.apply(track("view", NOW, Map.of()), needs, SCORING, NOW);
        profile.apply(track("view", NOW - 1_000, Map.of()), needs, SCORING, NOW); // one half-life earlier

        assertThat(profile.score(SCORING, NOW)).isEqualTo(6.0);
        assertThat(profile.score(SCORING, NOW + 1_000)).isEqualTo(3.0);
        assertThat(profile.scoreCrossing(SCORING, 3)).isEqualTo(OptionalLong.of(NOW + 1_000));
    }

    @Test
    void aWeightedEventCountsInTheScoreEvenWhileNoSegmentReadsIt() {
        ProfileNeeds needs = needsOf("count(\"view\") > 0");

        profile.apply(track("view", NOW, Map.of()), needs, SCORING, NOW);

        assertThat(profile.score(SCORING, NOW)).as("there for a score segment saved later").isEqualTo(4.0);
    }

    @Test
    void aScoreDatedAheadOfTheClockCrossesItsLineOnTheWayDown() {
        ProfileNeeds needs = needsOf("score > 8");

        profile.apply(track("view", NOW + 2_000, Map.of()), needs, SCORING, NOW); // a client clock 2 s ahead

        assertThat(profile.score(SCORING, NOW)).isEqualTo(16.0);
        assertThat(profile.scoreCrossing(SCORING, 8)).as("16 at NOW, 8 one half-life later")
                .isEqualTo(OptionalLong.of(NOW + 1_000));
    }

    @Test
    void aNegativeScoreCrossesANegativeLineAsItDecaysTowardZero() {
        Scoring unsubscribes = new Scoring(Duration.ofSeconds(1), Map.of("unsubscribe", -10.0));
        ProfileNeeds needs = needsOf("score < -5.0");

        profile.apply(track("unsubscribe", NOW, Map.of()), needs, unsubscribes, NOW);

        assertThat(profile.scoreCrossing(unsubscribes, -5)).isEqualTo(OptionalLong.of(NOW + 1_000));
        assertThat(profile.scoreCrossing(unsubscribes, 5)).as("a line of the other sign is never crossed").isEmpty();
    }

    @Test
    void theLatestValueByEventTimeWinsAndATieGoesToTheLaterArrival() {
        ProfileNeeds needs = needsOf("last(\"page\", \"path\") == \"/\"");

        profile.apply(track("page", NOW, Map.of("path", "/b")), needs, SCORING, NOW);
        profile.apply(track("page", NOW - 1, Map.of("path", "/a")), needs, SCORING, NOW);
        assertThat(profile.lastValue("page", "path")).isEqualTo(Optional.of("/b"));

        profile.apply(track("page", NOW, Map.of("path", "/c")), needs, SCORING, NOW);
        assertThat(profile.lastValue("page", "path")).isEqualTo(Optional.of("/c"));
    }

    @Test
    void traitsTakeTheLaterArrivalAndANullRemovesOne() {
        profile.apply(identify(Map.of("plan", "pro", "age", 30)), ProfileNeeds.NONE, SCORING, NOW);
        Map<String, Object> update = new HashMap<>();
        update.put("plan", null);
        update.put("age", 31);

        profile.apply(identify(update), ProfileNeeds.NONE, SCORING, NOW);

        assertThat(profile.traits()).containsExactly(Map.entry("age", 31L));
        assertThat(profile.traitJson()).containsExactly(Map.entry("age", "31"));
    }

    private static ProfileNeeds needsOf(String... conditions) {
        RuleCompiler compiler = new RuleCompiler();
        return ProfileNeeds.of(Arrays.stream(conditions).map(c -> compiler.compile(c).reads()).toList());
    }

    private static Event track(String name, long atMillis, Map<String, Object> properties) {
        Instant at = Instant.ofEpochMilli(atMillis);
        return new Event(1, "track", "m", "u1", null, name, null, null, null, null, properties, null, null, at, null,
                null, at, "test");
    }

    private static Event identify(Map<String, Object> traits) {
        Instant at = Instant.ofEpochMilli(NOW);
        return new Event(1, "identify", "m", "u1", null, null, null, null, null, traits, null, null, null, at, null,
                null, at, "test");
    }
}
