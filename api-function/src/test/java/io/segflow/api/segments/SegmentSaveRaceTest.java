package io.segflow.api.segments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.segflow.api.ApiException;
import io.segflow.api.SegmentRepository;
import io.segflow.core.rules.SegmentDefinition;
import io.segflow.testkit.KafkaAndRedisResource;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A save's check and its write are one optimistic transaction: a save that lands between another's check and its
 * write makes that one check again, against what is stored now.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaAndRedisResource.class, restrictToAnnotatedClass = false)
class SegmentSaveRaceTest {
    @Inject
    SegmentRepository segments;

    @Test
    void aSaveOvertakenBetweenItsCheckAndItsWriteIsCheckedAgain() {
        String first = "race-" + UUID.randomUUID().toString().substring(0, 8);
        String second = "race-" + UUID.randomUUID().toString().substring(0, 8);
        List<List<String>> checkedAgainst = new ArrayList<>();

        assertThatThrownBy(() -> segments.save(definition(first, "inSegment(\"" + second + "\")"), stored -> {
            checkedAgainst.add(stored.stream().map(SegmentDefinition::id).toList());
            if (checkedAgainst.size() == 1) {
                // Another admin saves the segment the first one reads, after this check and before its write.
                segments.save(definition(second, "inSegment(\"" + first + "\")"));
            }
            if (stored.stream().anyMatch(definition -> definition.id().equals(second))) {
                throw ApiException.badRequest("condition", "cycle");
            }
        })).isInstanceOf(ApiException.class);

        assertThat(checkedAgainst).hasSize(2);
        assertThat(checkedAgainst.get(0)).doesNotContain(second);
        assertThat(checkedAgainst.get(1)).contains(second);
        assertThat(segments.find(first)).as("refused on its second check: not written").isEmpty();
        assertThat(segments.find(second)).isPresent();
        segments.delete(second);
    }

    @Test
    void aSaveNobodyOvertakesIsCheckedOnceAndWritten() {
        String id = "race-" + UUID.randomUUID().toString().substring(0, 8);
        List<Integer> checks = new ArrayList<>();

        boolean created = segments.save(definition(id, "count(\"x\") >= 1"), stored -> checks.add(stored.size()));

        assertThat(created).isTrue();
        assertThat(checks).hasSize(1);
        assertThat(segments.find(id)).isPresent();
        segments.delete(id);
    }

    private static SegmentDefinition definition(String id, String condition) {
        return new SegmentDefinition(id, id, condition, true, Instant.now());
    }
}
