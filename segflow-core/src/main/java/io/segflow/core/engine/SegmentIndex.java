package io.segflow.core.engine;

import io.segflow.core.membership.Memberships;
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
import java.util.stream.Collectors;

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
    /** The revision of the catalog this one replaced, when the change between them is known (else -1). */
    private final long changedFrom;
    /** What changed since {@link #changedFrom}: see {@link #changedSince}. */
    private final List<CompiledSegment> changed;
    /** The ids of {@link #changed}, to tell a change of one of them from time's without a scan. */
    private final Set<String> changedIds;
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
        this(segments, revision, null, Set.of(), null, false);
    }

    /**
     * The catalog at {@code revision} that replaces {@code previous}: users last fully evaluated against the previous
     * catalog catch up by evaluating only what changed between the two (see {@link #changedSince}).
     *
     * @param scoringChanged whether the scoring settings changed too (the segments that read the score changed then)
     */
    public SegmentIndex(Collection<CompiledSegment> segments, long revision, SegmentIndex previous, boolean scoringChanged) {
        this(segments, revision, null, Set.of(), previous, scoringChanged);
    }

    private SegmentIndex(Collection<CompiledSegment> segments, long revision, ProfileNeeds needs, Set<String> held,
                         SegmentIndex previous, boolean scoringChanged) {
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
        // No user is up to date with a held catalog (its evaluations are not complete), nor with one of revision 0:
        // that revision marks users never fully evaluated (a merged profile, or one stored before any catalog).
        boolean known = previous != null && previous.revision != Memberships.NEVER_FULLY_EVALUATED
                && previous.revision < revision && !previous.holds();
        this.changedFrom = known ? previous.revision : -1;
        this.changed = known ? List.copyOf(changesFrom(previous, scoringChanged)) : List.of();
        this.changedIds = changed.stream().map(segment -> segment.definition().id()).collect(Collectors.toUnmodifiableSet());
    }

    /**
     * The segments whose answer may differ from the previous catalog's for the same profile and memberships: those
     * created, re-enabled or whose condition changed, those reading the score when scoring changed, those reading a
     * property whose values this catalog keeps in a shape the previous one did not (a replay of the event log
     * rebuilds them, and such segments are held meanwhile: see {@link #holding}), and the dependents of all these and
     * of the segments deleted or disabled.
     */
    private List<CompiledSegment> changesFrom(SegmentIndex previous, boolean scoringChanged) {
        Map<PropertyRef, AggregateShape> kept = previous.needs.shapes();
        Set<PropertyRef> rebuilt = new HashSet<>();
        needs.shapes().forEach((ref, shape) -> {
            AggregateShape before = kept.get(ref);
            if (before == null || !before.covers(shape)) {
                rebuilt.add(ref);
            }
        });
        Map<String, CompiledSegment> changes = new LinkedHashMap<>();
        for (CompiledSegment segment : ordered) {
            Integer before = previous.position.get(segment.id());
            if (before == null || !previous.ordered.get(before).definition().condition().equals(segment.definition().condition())
                    || readsAnyOf(segment, rebuilt)) {
                changes.put(segment.id(), segment);
            }
        }
        if (scoringChanged) {
            scoreReaders.forEach(s -> changes.put(s.id(), s));
        }
        for (CompiledSegment gone : previous.ordered) {
            if (!position.containsKey(gone.id())) {
                dependents.getOrDefault(gone.id(), List.of()).forEach(s -> changes.put(s.id(), s));
            }
        }
        return withDependents(changes);
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
            if (readsAnyOf(segment, replaying)) {
                waiting.add(segment.id());
            } else {
                evaluated.add(segment);
            }
        }
        return waiting.isEmpty() ? this : new SegmentIndex(evaluated, revision, needs, Set.copyOf(waiting), null, false);
    }

    private static boolean readsAnyOf(CompiledSegment segment, Set<PropertyRef> properties) {
        if (properties.isEmpty()) {
            return false;
        }
        Reads reads = segment.condition().reads();
        return reads.lastValues().stream().anyMatch(properties::contains)
                || reads.propertyAggregates().stream().anyMatch(a -> properties.contains(new PropertyRef(a.event(), a.property())));
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

    /**
     * What a user last fully evaluated against catalog {@code revision} must evaluate to be up to date with this
     * catalog, in dependency order: the segments that changed since (see the constructor that takes the previous
     * catalog), or null when this index does not know what changed since that revision: evaluate every segment.
     */
    public List<CompiledSegment> changedSince(long revision) {
        return revision == changedFrom ? changed : null;
    }

    /**
     * Whether segment {@code segmentId} is among those a user last fully evaluated against catalog {@code revision}
     * evaluates to catch up ({@link #changedSince}): also when this index does not know what changed since.
     */
    public boolean changedSince(long revision, String segmentId) {
        return revision != changedFrom || changedIds.contains(segmentId);
    }

    /** The segments of both lists, each once, in dependency order (each list holds its dependents already). */
    List<CompiledSegment> union(List<CompiledSegment> some, List<CompiledSegment> others) {
        if (others.isEmpty()) {
            return some;
        }
        if (some.isEmpty()) {
            return others;
        }
        Map<String, CompiledSegment> both = new LinkedHashMap<>();
        some.forEach(s -> both.put(s.id(), s));
        others.forEach(s -> both.put(s.id(), s));
        return inDependencyOrder(both.values());
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
        return inDependencyOrder(affected.values());
    }

    private List<CompiledSegment> inDependencyOrder(Collection<CompiledSegment> segments) {
        List<CompiledSegment> result = new ArrayList<>(segments);
        result.sort((a, b) -> Integer.compare(position.get(a.id()), position.get(b.id())));
        return result;
    }
}
