package io.segflow.core.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.segflow.core.membership.MembershipDiff.Transition;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MembershipDiffTest {
    @Test
    void entersExitsAndLeavesUnevaluatedSegmentsAlone() {
        Memberships current = new Memberships(Map.of("vip", Instant.EPOCH, "churned", Instant.EPOCH), 4);
        List<Transition> transitions = MembershipDiff.between(current, List.of("vip", "carts", "other"), Set.of("carts"));
        assertThat(transitions).containsExactlyInAnyOrder(new Transition("vip", false), new Transition("carts", true));
    }
}
