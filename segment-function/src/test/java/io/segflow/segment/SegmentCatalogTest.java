package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.redis.RedisKeys;
import io.segflow.core.rules.CompiledCondition;
import io.segflow.core.rules.CompiledSegment;
import io.segflow.segment.catalog.SegmentCatalog;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The catalog as read from Redis: a new revision compiles only the conditions it adds or changes (the others are taken
 * over as they were), and carries the revision and scoring read with the definitions.
 */
@QuarkusTest
class SegmentCatalogTest extends SegmentFunctionTestBase {
    @Inject
    SegmentCatalog catalog;

    @Test
    void aNewRevisionKeepsTheCompiledConditionsItDidNotChange() {
        define("catalog-kept", "count(\"catalog_kept\", \"7d\") >= 1");
        define("catalog-changed", "count(\"catalog_changed\", \"7d\") >= 1");
        catalog.refresh();
        CompiledCondition kept = condition("catalog-kept");
        CompiledCondition before = condition("catalog-changed");

        define("catalog-changed", "count(\"catalog_changed\", \"7d\") >= 2");
        define("catalog-added", "count(\"catalog_added\", \"7d\") >= 1");
        catalog.refresh();

        assertThat(condition("catalog-kept")).as("unchanged: the same compiled program").isSameAs(kept);
        assertThat(condition("catalog-changed")).isNotSameAs(before);
        assertThat(condition("catalog-changed").source()).endsWith(">= 2");
        assertThat(condition("catalog-added").source()).contains("catalog_added");
    }

    @Test
    void aNewRevisionKnowsWhatChangedSinceTheOneItReplaced() {
        define("since-kept", "count(\"since_kept\") >= 1");
        define("since-scored", "score > 5.0");
        catalog.refresh();
        long before = catalog.current().index().revision();

        define("since-changed", "count(\"since_changed\") >= 2");
        catalog.refresh();
        long after = catalog.current().index().revision();

        assertThat(catalog.current().index().changedSince(before)).as("a segment added: that segment")
                .extracting(CompiledSegment::id).containsExactly("since-changed");

        redis.value(String.class).set(RedisKeys.SCORING, "{\"halfLife\":\"1h\",\"weights\":{\"since_kept\":3}}");
        redis.value(Long.class).incr(RedisKeys.SEGMENTS_REVISION);
        catalog.refresh();

        assertThat(catalog.current().index().changedSince(after)).as("scoring changed: the segments reading the score")
                .extracting(CompiledSegment::id).contains("since-scored").doesNotContain("since-kept", "since-changed");
        assertThat(catalog.current().index().changedSince(before)).as("two revisions behind: every segment").isNull();
    }

    @Test
    void aLoadedCatalogCarriesTheRevisionAndTheScoringStoredWithItsDefinitions() {
        redis.value(String.class).set(RedisKeys.SCORING, "{\"halfLife\":\"5s\",\"weights\":{\"visit\":10}}");
        long revision = define("catalog-read", "count(\"catalog_read\") >= 1");
        catalog.refresh();

        assertThat(catalog.current().index().revision()).isEqualTo(revision);
        assertThat(catalog.current().scoring().halfLife()).isEqualTo(Duration.ofSeconds(5));
        assertThat(catalog.current().scoring().weightOf("visit")).isEqualTo(10.0);
        assertThat(condition("catalog-read").source()).contains("catalog_read");
    }

    @Test
    void aStoredCycleLeavesOutItsSegmentsAndTheEngineGoesOn() {
        define("cycle-first", "inSegment(\"cycle-second\")");
        define("cycle-second", "inSegment(\"cycle-first\") || count(\"cycle_event\") >= 1");
        long revision = define("cycle-outside", "count(\"cycle_event\") >= 1");
        try {
            catalog.refresh();

            assertThat(catalog.current().index().revision()).as("the stored revision, which every round is stored against")
                    .isEqualTo(revision);
            assertThat(catalog.current().index().all()).extracting(CompiledSegment::id)
                    .contains("cycle-outside").doesNotContain("cycle-first", "cycle-second");

            String user = "cycle-user-" + UUID.randomUUID();
            send(trackEvent(user, "cycle_event", UUID.randomUUID().toString()));
            await().atMost(Duration.ofSeconds(20)).until(() -> memberships(user).contains("cycle-outside"));
            assertThat(memberships(user).contains("cycle-second")).isFalse();
        } finally {
            redis.withTransaction(tx -> {
                tx.hash(String.class).hdel(RedisKeys.SEGMENTS, "cycle-first", "cycle-second", "cycle-outside");
                tx.value(Long.class).incr(RedisKeys.SEGMENTS_REVISION);
            });
        }
    }

    @Test
    void aRehearsedLoadKeepsNothingItBuilt() throws InterruptedException {
        define("rehearsed-kept", "count(\"rehearsed_kept\") >= 1");
        catalog.refresh();
        CompiledCondition kept = condition("rehearsed-kept");
        long stored = define("rehearsed-later", "count(\"rehearsed_later\") >= 1");

        assertThat(catalog.rehearseLoads(5, () -> false)).as("told to stop (the engine stopping): no build").isZero();
        assertThat(catalog.rehearseLoads(5, () -> true)).as("the stored conditions compiled again, until five were").isGreaterThanOrEqualTo(5);

        // The engine loads revisions meanwhile too: a rehearsal that kept what it built would show as new programs.
        catalog.refresh();
        assertThat(catalog.current().index().revision()).isEqualTo(stored);
        assertThat(condition("rehearsed-kept")).as("the compiled program the catalog had before the rehearsal").isSameAs(kept);
    }

    private CompiledCondition condition(String segmentId) {
        return catalog.current().index().all().stream().filter(segment -> segment.id().equals(segmentId))
                .map(CompiledSegment::condition).findFirst().orElseThrow();
    }
}
