package io.segflow.core.engine;

import io.segflow.core.rules.CompiledSegment;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Orders segments so that each comes after the segments its {@code inSegment(...)} calls read; refuses cycles. */
public final class SegmentDependencies {

    /** A cycle of {@code inSegment} references, e.g. {@code a -> b -> a}. */
    public static final class CycleException extends IllegalArgumentException {
        private final List<String> cycle;

        public CycleException(List<String> cycle) {
            super("inSegment cycle: " + String.join(" -> ", cycle));
            this.cycle = List.copyOf(cycle);
        }

        /** The ids along the cycle, the first repeated at the end. */
        public List<String> cycle() {
            return cycle;
        }
    }

    private SegmentDependencies() {
    }

    public static List<CompiledSegment> inDependencyOrder(Collection<CompiledSegment> segments) {
        Map<String, CompiledSegment> byId = new TreeMap<>();
        segments.forEach(segment -> byId.put(segment.id(), segment));
        Map<String, Set<String>> graph = new HashMap<>();
        byId.forEach((id, segment) -> graph.put(id, segment.condition().reads().segments()));
        List<CompiledSegment> ordered = new ArrayList<>();
        for (String id : topologicalOrder(graph)) {
            if (byId.containsKey(id)) {
                ordered.add(byId.get(id));
            }
        }
        return ordered;
    }

    /** Ids in an order where every id follows the ids it depends on; throws {@link CycleException}. */
    public static List<String> topologicalOrder(Map<String, Set<String>> dependsOn) {
        List<String> order = new ArrayList<>();
        Set<String> done = new HashSet<>();
        for (String id : new TreeMap<>(dependsOn).keySet()) {
            visit(id, dependsOn, done, new ArrayList<>(), order);
        }
        return order;
    }

    private static void visit(String id, Map<String, Set<String>> dependsOn, Set<String> done, List<String> path, List<String> order) {
        if (done.contains(id)) {
            return;
        }
        int seen = path.indexOf(id);
        if (seen >= 0) {
            List<String> cycle = new ArrayList<>(path.subList(seen, path.size()));
            cycle.add(id);
            throw new CycleException(cycle);
        }
        path.add(id);
        for (String target : new java.util.TreeSet<>(dependsOn.getOrDefault(id, Set.of()))) {
            visit(target, dependsOn, done, path, order);
        }
        path.remove(path.size() - 1);
        done.add(id);
        order.add(id);
    }
}
