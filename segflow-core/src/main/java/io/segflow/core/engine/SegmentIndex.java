package io.segflow.core.engine;

import io.segflow.core.rules.CompiledSegment;
import io.segflow.core.rules.Reads;
import io.segflow.core.rules.Reads.PropertyRef;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The enabled segments indexed by what they read, in dependency order ({@code inSegment} targets first), so an
 * event re-evaluates only the segments it can affect. Immutable; rebuilt when definitions change, with the
 * catalog revision it was built from.
 */
public final class SegmentIndex {
    private final long revision;
    private final List<CompiledSegment> ordered;
    private final Map<String, Integer> position = new HashMap<>();
    private final Map<String, List<CompiledSegment>> byEvent = new HashMap<>();
    private final List<CompiledSegment> traitReaders = new ArrayList<>();
    private final List<CompiledSegment> scoreReaders = new ArrayList<>();
    private final List<CompiledSegment> everyEvent = new ArrayList<>();
    private final List<CompiledSegment> timeDependent = new ArrayList<>();
    private final Map<String, List<CompiledSegment>> dependents = new HashMap<>();
    private final ProfileNeeds needs;
    /** Segments of the catalog not evaluated for now (see {@link #holding}). */
    private final Set<String> held;
    /** affectedBy's answers, per event name and whether it carries traits and weight: asked once per event. */
    private final Map<String, List<CompiledSegment>[]> affectedByEvent = new ConcurrentHashMap<>();
    /** Event names are the senders' to choose: remember the answers for this many, compute the rest each time. */
    private static final int MAX_REMEMBERED_EVENT_NAMES = 10_000;

    /** An index of catalog revision 0: for tests and tools that have no stored catalog. */
    public SegmentIndex(Collection<CompiledSegment> segments) {
        this(segments, 0);
    }

    /** @param revision the catalog revision (the api-function's counter) these segments were read at */
    public SegmentIndex(Collection<CompiledSegment> segments, long revision) {
        this(segments, revision, null, Set.of());
    }

    private SegmentIndex(Collection<CompiledSegment> segments, long revision, ProfileNeeds needs, Set<String> held) {
        this.revision = revision;
        this.held = held;
        this.ordered = SegmentDependencies.inDependencyOrder(segments);
        for (int i = 0; i < ordered.size(); i++) {
            CompiledSegment segment = ordered.get(i);
            Reads reads = segment.condition().reads();
            position.put(segment.id(), i);
            Set<String> events = new HashSet<>(reads.lifetimeCounts());
            events.addAll(reads.seenEvents());
            reads.windowedCounts().forEach(read -> events.add(read.event()));
            reads.propertyAggregates().forEach(read -> events.add(read.event()));
            reads.lastValues().forEach(read -> events.add(read.event()));
            events.forEach(event -> byEvent.computeIfAbsent(event, e -> new ArrayList<>()).add(segment));
            if (reads.traits()) {
                traitReaders.add(segment);
            }
            if (reads.score()) {
                scoreReaders.add(segment);
            }
            if (reads.overallSeen()) {
                everyEvent.add(segment); // firstSeen / lastSeen move with every event
            }
            if (reads.timeDependent()) {
                timeDependent.add(segment);
            }
            reads.segments().forEach(target -> dependents.computeIfAbsent(target, t -> new ArrayList<>()).add(segment));
        }
        this.needs = needs != null ? needs : ProfileNeeds.of(ordered.stream().map(s -> s.condition().reads()).toList());
    }

    /**
     * This catalog with the segments that read one of {@code replaying} held: not evaluated (their memberships stand)
     * while a replay of the event log rebuilds the past of those properties. Profiles keep what the whole catalog
     * needs. A user evaluated against it is not recorded as evaluated against the revision: the backfill after the
     * replay evaluates it in full.
     */
    public SegmentIndex holding(Set<PropertyRef> replaying) {
        if (replaying.isEmpty()) {
            return this;
        }
        List<CompiledSegment> evaluated = new ArrayList<>(ordered.size());
        Set<String> waiting = new HashSet<>();
        for (CompiledSegment segment : ordered) {
            Reads reads = segment.condition().reads();
            boolean readsReplayed = reads.lastValues().stream().anyMatch(replaying::contains)
                    || reads.propertyAggregates().stream().anyMatch(a -> replaying.contains(new PropertyRef(a.event(), a.property())));
            if (readsReplayed) {
                waiting.add(segment.id());
            } else {
                evaluated.add(segment);
            }
        }
        return waiting.isEmpty() ? this : new SegmentIndex(evaluated, revision, needs, Set.copyOf(waiting));
    }

    /** Whether some segments are held (see {@link #holding}): evaluations against it are not complete. */
    public boolean holds() {
        return !held.isEmpty();
    }

    public static SegmentIndex empty() {
        return new SegmentIndex(List.of());
    }

    public long revision() {
        return revision;
    }

    public List<CompiledSegment> all() {
        return ordered;
    }

    public boolean contains(String segmentId) {
        return position.containsKey(segmentId) || held.contains(segmentId);
    }

    public ProfileNeeds needs() {
        return needs;
    }

    public List<CompiledSegment> timeDependent() {
        return timeDependent;
    }

    /** The segments an event can affect, plus those that depend on them, in dependency order. */
    public List<CompiledSegment> affectedBy(String eventName, boolean hasTraits, boolean weighted) {
        if (eventName == null) {
            return computeAffectedBy(null, hasTraits, weighted);
        }
        int variant = (hasTraits ? 1 : 0) | (weighted ? 2 : 0);
        List<CompiledSegment>[] answers = affectedByEvent.get(eventName);
        if (answers == null) {
            @SuppressWarnings("unchecked")
            List<CompiledSegment>[] fresh = new List[4];
            answers = fresh;
            if (affectedByEvent.size() < MAX_REMEMBERED_EVENT_NAMES) {
                affectedByEvent.put(eventName, answers);
            }
        }
        List<CompiledSegment> answer = answers[variant];
        if (answer == null) {
            answer = List.copyOf(computeAffectedBy(eventName, hasTraits, weighted));
            answers[variant] = answer;
        }
        return answer;
    }

    private List<CompiledSegment> computeAffectedBy(String eventName, boolean hasTraits, boolean weighted) {
        Map<String, CompiledSegment> affected = new LinkedHashMap<>();
        byEvent.getOrDefault(eventName, List.of()).forEach(s -> affected.put(s.id(), s));
        everyEvent.forEach(s -> affected.put(s.id(), s));
        if (hasTraits) {
            traitReaders.forEach(s -> affected.put(s.id(), s));
        }
        if (weighted) {
            scoreReaders.forEach(s -> affected.put(s.id(), s));
        }
        return withDependents(affected);
    }

    /** The segments time can flip, plus their dependents, in dependency order. */
    public List<CompiledSegment> affectedByTime() {
        Map<String, CompiledSegment> affected = new LinkedHashMap<>();
        timeDependent.forEach(s -> affected.put(s.id(), s));
        return withDependents(affected);
    }

    private List<CompiledSegment> withDependents(Map<String, CompiledSegment> affected) {
        List<CompiledSegment> queue = new ArrayList<>(affected.values());
        for (int i = 0; i < queue.size(); i++) {
            for (CompiledSegment dependent : dependents.getOrDefault(queue.get(i).id(), List.of())) {
                if (affected.putIfAbsent(dependent.id(), dependent) == null) {
                    queue.add(dependent);
                }
            }
        }
        List<CompiledSegment> result = new ArrayList<>(affected.values());
        result.sort((a, b) -> Integer.compare(position.get(a.id()), position.get(b.id())));
        return result;
    }
}
