package io.segflow.core.membership;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/** Compares the segments a user is in with the segments its profile now matches. */
public final class MembershipDiff {

    /** One transition to apply: enter ({@code entering=true}) or exit a segment. */
    public record Transition(String segmentId, boolean entering) {
    }

    private MembershipDiff() {
    }

    /**
     * @param evaluated the segments whose conditions were evaluated; others keep their state
     * @param matching  those of them whose condition holds now
     */
    public static List<Transition> between(Memberships current, Collection<String> evaluated, Set<String> matching) {
        List<Transition> transitions = new ArrayList<>();
        for (String segmentId : evaluated) {
            boolean member = current.contains(segmentId);
            boolean matches = matching.contains(segmentId);
            if (matches != member) {
                transitions.add(new Transition(segmentId, matches));
            }
        }
        return transitions;
    }
}
