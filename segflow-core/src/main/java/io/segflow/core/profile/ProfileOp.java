package io.segflow.core.profile;

import java.util.List;
import java.util.Map;

/**
 * One change to the profile hash. The same operations are implemented twice: in {@code apply-event.lua}
 * (what production runs, atomically) and in {@link #applyTo(Map)} (the reference the tests compare it with).
 */
public sealed interface ProfileOp {

    /** The op as Lua arguments: a code, then its operands. */
    List<String> arguments();

    void applyTo(Map<String, String> hash);

    record Increment(String field) implements ProfileOp {
        public List<String> arguments() {
            return List.of("INCR", field);
        }

        public void applyTo(Map<String, String> hash) {
            hash.merge(field, "1", (old, one) -> Long.toString(Long.parseLong(old) + 1));
        }
    }

    record AddValue(String field, double value) implements ProfileOp {
        public List<String> arguments() {
            return List.of("AGG", field, Double.toString(value));
        }

        public void applyTo(Map<String, String> hash) {
            String old = hash.get(field);
            hash.put(field, (old == null ? Aggregate.EMPTY : Aggregate.decode(old)).plus(value).encode());
        }
    }

    /** Keeps the smaller (first seen) or larger (last seen) timestamp: order of arrival does not matter. */
    record KeepExtreme(String field, long millis, boolean keepMax) implements ProfileOp {
        public List<String> arguments() {
            return List.of(keepMax ? "MAX" : "MIN", field, Long.toString(millis));
        }

        public void applyTo(Map<String, String> hash) {
            hash.merge(field, Long.toString(millis), (old, now) -> {
                long a = Long.parseLong(old);
                return Long.toString(keepMax ? Math.max(a, millis) : Math.min(a, millis));
            });
        }
    }

    /** The value of the latest event by event time (ties: the later arrival). */
    record LastValue(String field, long millis, String json) implements ProfileOp {
        public List<String> arguments() {
            return List.of("LAST", field, Long.toString(millis), json);
        }

        public void applyTo(Map<String, String> hash) {
            String old = hash.get(field);
            if (old == null || Long.parseLong(old.substring(0, old.indexOf(' '))) <= millis) {
                hash.put(field, millis + " " + json);
            }
        }
    }

    /** Adds a weight at event time to a decaying score kept as "value asOfMillis"; late events decay to asOf. */
    record AddScore(String field, long millis, double weight, long halfLifeMillis) implements ProfileOp {
        public List<String> arguments() {
            return List.of("SCORE", field, Long.toString(millis), Double.toString(weight), Long.toString(halfLifeMillis));
        }

        public void applyTo(Map<String, String> hash) {
            String old = hash.get(field);
            double value = 0;
            long asOf = millis;
            if (old != null) {
                String[] parts = old.split(" ");
                value = Double.parseDouble(parts[0]);
                asOf = Long.parseLong(parts[1]);
            }
            if (millis >= asOf) {
                value = value * Math.pow(2, -(double) (millis - asOf) / halfLifeMillis) + weight;
                asOf = millis;
            } else {
                value = value + weight * Math.pow(2, -(double) (asOf - millis) / halfLifeMillis);
            }
            hash.put(field, value + " " + asOf);
        }
    }

    /**
     * Deletes the buckets no window can count any more, at most once per {@code period} (a minute): scanning the
     * hash's fields is the costly part of an update, and a bucket kept a minute longer changes no result.
     *
     * @param prefixes bucket field prefixes ({@code w|g|}, {@code x|g|}), each with the first bucket to keep
     */
    record TrimBuckets(long period, java.util.LinkedHashMap<String, Long> prefixes) implements ProfileOp {
        public List<String> arguments() {
            List<String> args = new java.util.ArrayList<>(3 + 2 * prefixes.size());
            args.add("TRIM");
            args.add(Long.toString(period));
            args.add(Integer.toString(prefixes.size()));
            prefixes.forEach((prefix, keepFrom) -> {
                args.add(prefix);
                args.add(Long.toString(keepFrom));
            });
            return args;
        }

        public void applyTo(Map<String, String> hash) {
            if (Long.toString(period).equals(hash.get(ProfileFields.LAST_TRIM))) {
                return;
            }
            hash.put(ProfileFields.LAST_TRIM, Long.toString(period));
            hash.keySet().removeIf(field -> prefixes.entrySet().stream().anyMatch(trim -> field.startsWith(trim.getKey())
                    && Long.parseLong(field.substring(field.lastIndexOf(ProfileFields.SEP) + 1)) < trim.getValue()));
        }
    }
}
