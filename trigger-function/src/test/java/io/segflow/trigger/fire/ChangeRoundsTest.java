package io.segflow.trigger.fire;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.membership.SegmentChange;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A consumed batch is decided in rounds where each user appears once, each user's changes in their order. */
class ChangeRoundsTest {

    @Test
    void aUsersLaterChangesGoToLaterRoundsInOrder() {
        List<ChangeTriggers.Change> batch = List.of(change("a", 1), change("b", 1), change("a", 2), change("c", 1),
                change("a", 3), change("b", 2));

        List<List<ChangeTriggers.Change>> rounds = ChangeTriggers.rounds(batch);

        assertThat(rounds).extracting(round -> round.stream().map(ChangeRoundsTest::name).toList()).containsExactly(
                List.of("a1", "b1", "c1"), List.of("a2", "b2"), List.of("a3"));
    }

    @Test
    void distinctUsersMakeOneRound() {
        assertThat(ChangeTriggers.rounds(List.of(change("a", 1), change("b", 1), change("c", 1)))).hasSize(1);
    }

    private static ChangeTriggers.Change change(String user, long version) {
        return new ChangeTriggers.Change(0, new SegmentChange(user, "s", SegmentChange.ENTERED, Instant.now(), version, "event:m"), null);
    }

    private static String name(ChangeTriggers.Change change) {
        return change.change().userId() + change.change().version();
    }
}
