package io.segflow.system;

import io.segflow.core.membership.Memberships;
import io.segflow.core.membership.SegmentChange;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;

/**
 * One user's change records as published, at least once, checked as a consumer relies on them: a record seen again
 * is the same record, the versions are 1, 2, 3... in order without a gap, and replaying them ends in the stored
 * memberships, through the transitions the user's events must have caused.
 */
final class ChangeHistory {

    /** How a record published again must compare with its first publication. */
    enum Republished {
        /** Read back from the stored pending list: the very same record. */
        IDENTICAL,
        /**
         * Decided again after Redis lost the store that held it (a replica promoted behind its master): the same
         * version, segment, change and cause, stamped with the time it was decided again.
         */
        REDECIDED
    }

    /** One transition: a segment entered or exited. */
    record Step(String segmentId, boolean entered) {
    }

    private ChangeHistory() {
    }

    /** What is wrong with the history, in words; empty when it is right. */
    static List<String> problems(List<SegmentChange> published, Memberships stored, List<Step> expected) {
        return problems(published, stored, expected, Republished.IDENTICAL);
    }

    static List<String> problems(List<SegmentChange> published, Memberships stored, List<Step> expected, Republished republished) {
        List<String> problems = new ArrayList<>();
        Map<Long, SegmentChange> firstSeen = new LinkedHashMap<>();
        for (SegmentChange change : published) {
            SegmentChange first = firstSeen.putIfAbsent(change.version(), change);
            if (first != null && !same(first, change, republished)) {
                problems.add("version " + change.version() + " published with different contents: " + first + " then " + change);
            }
        }
        List<Long> versions = List.copyOf(firstSeen.keySet());
        List<Long> gapless = LongStream.rangeClosed(1, stored.version()).boxed().toList();
        if (!versions.equals(gapless)) {
            problems.add("versions first published in the order " + versions + ", expected " + gapless);
        }
        Set<String> replayed = new HashSet<>();
        List<Step> steps = new ArrayList<>();
        for (SegmentChange change : firstSeen.values()) {
            boolean consistent = change.entered() ? replayed.add(change.segmentId()) : replayed.remove(change.segmentId());
            if (!consistent) {
                problems.add("version " + change.version() + " " + change.change() + " " + change.segmentId()
                        + " while " + (change.entered() ? "already in it" : "not in it"));
            }
            steps.add(new Step(change.segmentId(), change.entered()));
        }
        if (!replayed.equals(stored.since().keySet())) {
            problems.add("replaying the changes ends in " + replayed + ", the stored memberships are " + stored.since().keySet());
        }
        if (!steps.equals(expected)) {
            problems.add("transitions " + steps + ", expected " + expected);
        }
        return problems;
    }

    private static boolean same(SegmentChange first, SegmentChange again, Republished republished) {
        return republished == Republished.IDENTICAL ? first.equals(again) : first.equals(new SegmentChange(again.userId(),
                again.segmentId(), again.change(), first.at(), again.version(), again.cause()));
    }
}
