package io.segflow.trigger;

import static io.segflow.trigger.Changes.change;
import static io.segflow.trigger.Changes.erased;
import static io.segflow.trigger.Changes.erasureExit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SeenVersionsTest {
    private final SeenVersions seen = new SeenVersions(1_000);

    @Test
    void aChangeIsNewOnlyTheFirstTimeItsVersionIsSeen() {
        assertThat(seen.firstSeen(change("u1", "vip", 1))).isTrue();
        assertThat(seen.firstSeen(change("u1", "vip", 1))).isFalse();
        assertThat(seen.firstSeen(change("u1", "vip", 2))).isTrue();
        assertThat(seen.firstSeen(change("u1", "vip", 1))).isFalse();
        assertThat(seen.firstSeen(change("u1", "vip", 2))).isFalse();
    }

    @Test
    void versionsAreKeptPerUser() {
        assertThat(seen.firstSeen(change("u1", "vip", 5))).isTrue();
        assertThat(seen.firstSeen(change("u2", "vip", 1))).isTrue();
        assertThat(seen.firstSeen(change("u2", "vip", 1))).isFalse();
    }

    @Test
    void aVersionJumpingAheadIsNewAndWhatLiesBelowItIsNot() {
        assertThat(seen.firstSeen(change("u1", "vip", 1))).isTrue();
        assertThat(seen.firstSeen(change("u1", "vip", 7))).isTrue();
        assertThat(seen.firstSeen(change("u1", "vip", 3))).isFalse();
        assertThat(seen.firstSeen(change("u1", "vip", 8))).isTrue();
    }

    @Test
    void aDuplicateOfAnotherSegmentsChangeWithTheSameVersionIsStillADuplicate() {
        assertThat(seen.firstSeen(change("u1", "vip", 4))).isTrue();
        assertThat(seen.firstSeen(change("u1", "cart-lovers", 4))).isFalse();
    }

    @Test
    void erasureExitsAreAlwaysNewAndTheUsersNextProfileStartsAgainFromTheBeginning() {
        assertThat(seen.firstSeen(change("u1", "vip", 3))).isTrue();
        assertThat(seen.firstSeen(erasureExit("u1", "vip", 4))).isTrue();
        assertThat(seen.firstSeen(erasureExit("u1", "vip", 4))).isTrue();
        assertThat(seen.firstSeen(erasureExit("u1", "cart-lovers", 2))).isTrue();
        assertThat(seen.firstSeen(change("u1", "vip", 1))).isTrue();
        assertThat(seen.firstSeen(change("u1", "vip", 1))).isFalse();
    }

    @Test
    void anErasedRecordEndsTheVersionsOfAUserThatHadNoExitsToPublish() {
        assertThat(seen.firstSeen(change("u1", "vip", 1))).isTrue();
        assertThat(seen.firstSeen(change("u1", "vip", 2))).isTrue();
        seen.firstSeen(erased("u1", 3));
        assertThat(seen.firstSeen(change("u1", "vip", 1))).isTrue();
        assertThat(seen.firstSeen(change("u1", "vip", 2))).isTrue();
        assertThat(seen.firstSeen(change("u1", "vip", 2))).isFalse();
    }

    @Test
    void theUserSeenLeastRecentlyIsForgottenFirst() {
        SeenVersions small = new SeenVersions(2);
        small.firstSeen(change("u1", "vip", 1));
        small.firstSeen(change("u2", "vip", 1));
        small.firstSeen(change("u1", "vip", 1)); // a lookup: u1 is now the most recently seen
        small.firstSeen(change("u3", "vip", 1));

        assertThat(small.size()).isEqualTo(2);
        assertThat(small.firstSeen(change("u1", "vip", 1))).isFalse();
        assertThat(small.firstSeen(change("u2", "vip", 1))).as("u2 was forgotten: its duplicate passes").isTrue();
    }

    @Test
    void aBoundBelowOneIsRefused() {
        assertThatThrownBy(() -> new SeenVersions(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
