package io.segflow.core.history;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.segflow.core.engine.AggregateShape;
import io.segflow.core.json.Json;
import io.segflow.core.rules.Reads.PropertyRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the profiles of one partition keep of event properties and since which catalog revision, and the replays of
 * the event log that rebuild the past of properties the catalog newly needs. Stored in the partition's state with the
 * round that first applies a catalog, so that the live events and the replay agree on the offset where one ends and
 * the other starts: live events from the partition's stored offset on, the replay before it.
 *
 * @param revision the catalog revision {@link #kept} was computed for
 * @param kept     the properties profiles keep, each with the revision since which it is kept as it is
 * @param replays  replays not finished, oldest first
 */
public record PartitionHistory(long revision, List<KeptProperty> kept, List<Replay> replays) {

    public static final PartitionHistory NONE = new PartitionHistory(0, List.of(), List.of());

    /**
     * A property kept with this shape since catalog {@code since}: values of earlier revisions are not its values.
     * {@code historyStart} is, when its replay found the log shorter than its window, the time of the oldest event the
     * log still held (epoch millis): its values hold the events since then only. 0 when complete.
     */
    public record KeptProperty(String event, String property, AggregateShape shape, long since, long historyStart) {
        public PropertyRef ref() {
            return new PropertyRef(event, property);
        }
    }

    /**
     * Rebuilding {@code refs} from the partition's events at offsets {@code [from, to)}; {@code next} is the first not
     * applied yet. {@code historyStart} is the oldest event's time when the log no longer held the whole window.
     */
    public record Replay(long revision, List<PropertyRef> refs, long from, long to, long next, long historyStart) {
        @JsonIgnore
        public boolean finished() {
            return next >= to;
        }

        public Replay at(long nextOffset) {
            return at(nextOffset, historyStart);
        }

        /** Moved on to {@code nextOffset} (at most {@code to}), having found the log to start at {@code oldestEvent}. */
        public Replay at(long nextOffset, long oldestEvent) {
            return new Replay(revision, refs, from, to, Math.min(nextOffset, to), oldestEvent);
        }
    }

    /** The history after a catalog, and the properties it needs that profiles did not keep as it needs them. */
    public record Planned(PartitionHistory history, Set<PropertyRef> gained) {
    }

    public PartitionHistory {
        kept = List.copyOf(kept);
        replays = List.copyOf(replays);
    }

    /**
     * Adopts the properties catalog {@code catalogRevision} needs: one kept under a shape that covers the new one keeps
     * its revision; any other is kept from this revision on (profiles drop what they held of it before) and is in
     * {@code gained}, for a replay to rebuild. Replays of properties no longer needed, or gained again, stop.
     */
    public Planned withCatalog(long catalogRevision, Map<PropertyRef, AggregateShape> needed) {
        Map<PropertyRef, KeptProperty> before = new HashMap<>();
        kept.forEach(property -> before.put(property.ref(), property));
        List<KeptProperty> now = new ArrayList<>(needed.size());
        Set<PropertyRef> gained = new LinkedHashSet<>();
        needed.forEach((ref, shape) -> {
            KeptProperty old = before.get(ref);
            if (old != null && old.shape().covers(shape)) {
                now.add(new KeptProperty(ref.event(), ref.property(), shape, old.since(), old.historyStart()));
            } else {
                now.add(new KeptProperty(ref.event(), ref.property(), shape, catalogRevision, 0));
                gained.add(ref);
            }
        });
        now.sort((a, b) -> a.ref().toString().compareTo(b.ref().toString()));
        List<Replay> going = new ArrayList<>(replays.size());
        for (Replay replay : replays) {
            List<PropertyRef> still = replay.refs().stream().filter(ref -> needed.containsKey(ref) && !gained.contains(ref)).toList();
            if (!still.isEmpty()) {
                going.add(new Replay(replay.revision(), still, replay.from(), replay.to(), replay.next(), replay.historyStart()));
            }
        }
        return new Planned(new PartitionHistory(catalogRevision, now, going), gained);
    }

    /** With a replay added (or, when it has nothing to read, only its outcome recorded). */
    public PartitionHistory withReplay(Replay replay) {
        if (replay.finished()) {
            return outcome(replays, replay);
        }
        List<Replay> all = new ArrayList<>(replays);
        all.add(replay);
        return new PartitionHistory(revision, kept, all);
    }

    /** With the first replay moved on to {@code progressed}, and removed once finished. */
    public PartitionHistory progressed(Replay progressed) {
        if (progressed.finished()) {
            return outcome(replays.subList(1, replays.size()), progressed);
        }
        List<Replay> all = new ArrayList<>(replays);
        all.set(0, progressed);
        return new PartitionHistory(revision, kept, all);
    }

    /** With {@code rest} going on, and the properties the finished {@code replay} rebuilt marked with where it started. */
    private PartitionHistory outcome(List<Replay> rest, Replay replay) {
        if (replay.historyStart() == 0) {
            return new PartitionHistory(revision, kept, rest);
        }
        List<KeptProperty> marked = new ArrayList<>(kept.size());
        for (KeptProperty property : kept) {
            boolean rebuilt = property.since() == replay.revision() && replay.refs().contains(property.ref());
            marked.add(rebuilt ? new KeptProperty(property.event(), property.property(), property.shape(), property.since(),
                    replay.historyStart()) : property);
        }
        return new PartitionHistory(revision, marked, rest);
    }

    /** The first replay not finished, or null. */
    public Replay pendingReplay() {
        return replays.isEmpty() ? null : replays.get(0);
    }

    /** Whether profiles of this partition keep {@code ref} in {@code shape} or a shape that covers it. */
    public boolean keeps(PropertyRef ref, AggregateShape shape) {
        return kept.stream().anyMatch(property -> property.ref().equals(ref) && property.shape().covers(shape));
    }

    /** The properties some replay is still rebuilding: segments that read them wait for it. */
    public Set<PropertyRef> replaying() {
        Set<PropertyRef> refs = new LinkedHashSet<>();
        replays.forEach(replay -> refs.addAll(replay.refs()));
        return refs;
    }

    /** The latest revision since which some property is kept: a profile reconciled with it holds no older values. */
    public long latestGain() {
        long latest = 0;
        for (KeptProperty property : kept) {
            latest = Math.max(latest, property.since());
        }
        return latest;
    }

    /** The properties kept since a revision after {@code reconciledRevision}: a profile's values of them are older. */
    public Set<PropertyRef> keptSince(long reconciledRevision) {
        Set<PropertyRef> refs = new LinkedHashSet<>();
        kept.forEach(property -> {
            if (property.since() > reconciledRevision) {
                refs.add(property.ref());
            }
        });
        return refs;
    }

    public String encode() {
        return Json.write(this);
    }

    public static PartitionHistory decode(String stored) {
        return stored == null || stored.isEmpty() ? NONE : Json.read(stored, PartitionHistory.class);
    }
}
