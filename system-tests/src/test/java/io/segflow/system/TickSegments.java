package io.segflow.system;

import io.segflow.system.ChangeHistory.Step;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The segments of the fault tests, on a user's lifetime count of {@value SteadyLoad#EVENT}: memberships and the
 * enters and exits that lead to them follow from the count alone, so an event lost or counted twice shows.
 */
final class TickSegments {

    /** In the segment while {@code from <= count < until}. */
    record TickSegment(String id, long from, long until) {
        String condition() {
            String lower = "count(\"" + SteadyLoad.EVENT + "\") >= " + from;
            return until == Long.MAX_VALUE ? lower : lower + " && count(\"" + SteadyLoad.EVENT + "\") < " + until;
        }

        boolean holdsAt(long count) {
            return count >= from && count < until;
        }
    }

    static final List<TickSegment> ALL = List.of(
            new TickSegment("ticks-5", 5, Long.MAX_VALUE),
            new TickSegment("ticks-10-to-25", 10, 25));

    private TickSegments() {
    }

    static Set<String> at(long count) {
        return ALL.stream().filter(segment -> segment.holdsAt(count)).map(TickSegment::id).collect(Collectors.toSet());
    }

    /** The enters and exits a user goes through as its count climbs from 0 to {@code count}, one event at a time. */
    static List<Step> transitionsUpTo(long count) {
        List<Step> transitions = new ArrayList<>();
        Set<String> in = new HashSet<>();
        for (long n = 1; n <= count; n++) {
            for (TickSegment segment : ALL) {
                boolean holds = segment.holdsAt(n);
                if (holds != in.contains(segment.id())) {
                    transitions.add(new Step(segment.id(), holds));
                    if (holds) {
                        in.add(segment.id());
                    } else {
                        in.remove(segment.id());
                    }
                }
            }
        }
        return transitions;
    }
}
