package io.segflow.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.event.Event;
import io.segflow.core.membership.MembershipDiff.Transition;
import io.segflow.core.membership.Memberships;
import io.segflow.core.profile.Profile;
import io.segflow.core.profile.Scoring;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A condition reading {@code inSegment()} sees what the same evaluation decided of that segment, and the stored
 * membership of a segment the evaluation left alone; in a small evaluation and in a large one alike (the engine
 * looks the decisions up differently by size).
 */
class SegmentDependencyTest {
    private static final long NOW = 1_795_600_000_000L;
    private static final long REVISION = 3;
    /** No other segment (decisions searched in order), and more than that search takes (looked up in a map). */
    private static final int[] PADDINGS = {0, 30};
    private final SegmentEngine engine = new SegmentEngine((condition, user, error) -> { });

    @Test
    void aSegmentEnteredInTheSameEvaluationCountsForTheOnesThatReadIt() {
        Map<String, String> conditions = Map.of(
                "buyer", "count(\"buy\") >= 1",
                "buyer_again", "inSegment(\"buyer\") && count(\"buy\") >= 1");
        for (int padding : PADDINGS) {
            assertThat(transitionsOfABuy(padding, conditions, new Memberships(Map.of(), 1, REVISION)))
                    .as("%d other segments", padding)
                    .contains(new Transition("buyer", true), new Transition("buyer_again", true));
        }
    }

    @Test
    void aSegmentTheEvaluationLeavesAloneCountsAsStored() {
        Map<String, String> conditions = Map.of(
                "pro", "\"plan\" in traits && traits.plan == \"pro\"",
                "pro_buyer", "inSegment(\"pro\") && count(\"buy\") >= 1");
        // The stored state says "pro", though the profile has no plan: a buy does not re-evaluate "pro".
        Memberships storedPro = new Memberships(Map.of("pro", Instant.EPOCH), 1, REVISION);
        for (int padding : PADDINGS) {
            assertThat(transitionsOfABuy(padding, conditions, storedPro)).as("%d other segments", padding)
                    .containsExactly(new Transition("pro_buyer", true));
        }
    }

    /** The transitions of a buy after a page view, with {@code padding} segments more that the buy affects. */
    private List<Transition> transitionsOfABuy(int padding, Map<String, String> conditions, Memberships stored) {
        SegmentIndex index = new SegmentIndex(TestSegments.compile(padded(padding, conditions)), REVISION);
        Profile profile = profile(index, "page_view", "buy");
        return engine.onEvent(index, Scoring.NONE, profile, stored, track("buy"), NOW).transitions();
    }

    /** The conditions and {@code padding} segments more that a buy affects and none of these users are in. */
    private static Map<String, String> padded(int padding, Map<String, String> conditions) {
        Map<String, String> all = new HashMap<>(conditions);
        for (int i = 0; i < padding; i++) {
            all.put("other_" + i, "count(\"buy\") >= " + (100 + i));
        }
        return all;
    }

    private static Event track(String name) {
        Instant at = Instant.ofEpochMilli(NOW);
        return new Event(1, "track", "m-" + name, "u", null, name, null, null, null, null, Map.of(), null, null,
                at, null, null, at, "test");
    }

    private static Profile profile(SegmentIndex index, String... events) {
        Profile profile = new Profile("u");
        for (String name : events) {
            profile.apply(track(name), index.needs(), Scoring.NONE, NOW);
        }
        return profile;
    }
}
