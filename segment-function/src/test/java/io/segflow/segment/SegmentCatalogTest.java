package io.segflow.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.segflow.core.engine.SegmentIndex;
import io.segflow.core.rules.CompiledCondition;
import io.segflow.core.rules.CompiledSegment;
import io.segflow.segment.catalog.SegmentCatalog;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A new catalog revision compiles only the conditions it adds or changes; the others are taken over as they were. Users
 * last evaluated against the revision before catch up on what it changed.
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
    void usersEvaluatedAgainstThePreviousRevisionCatchUpOnWhatChangedOnly() {
        define("catchup-kept", "count(\"catchup_kept\") >= 1");
        SegmentIndex previous = catalog.refresh().index();

        define("catchup-added", "count(\"catchup_added\") >= 1");
        SegmentIndex next = catalog.refresh().index();

        assertThat(next.revision()).isGreaterThan(previous.revision());
        assertThat(next.catchingUp(previous.revision(), List.of())).extracting(CompiledSegment::id)
                .containsExactly("catchup-added");
        assertThat(next.catchingUp(previous.revision() - 1, List.of())).as("further behind: every segment")
                .isEqualTo(next.all());
    }

    private CompiledCondition condition(String segmentId) {
        return catalog.current().index().all().stream().filter(segment -> segment.id().equals(segmentId))
                .map(CompiledSegment::condition).findFirst().orElseThrow();
    }
}
