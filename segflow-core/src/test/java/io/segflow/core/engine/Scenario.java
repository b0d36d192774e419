package io.segflow.core.engine;

import io.segflow.core.event.Event;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What the model test replays, as plain data so it can be generated, shrunk and printed: steps that each move the
 * clock forward and may deliver one event of user "u". Nothing random is left for replay time: the same scenario
 * always replays the same way.
 */
record Scenario(List<Step> steps) {
    private static final List<String> NAMES = List.of("view", "view", "cart", "buy", "identify");

    Scenario {
        steps = List.copyOf(steps);
    }

    /**
     * @param advanceMillis how far the clock moves before the step's event (scheduled wakes due by then fire first)
     * @param event         null for a pure time step
     */
    record Step(long advanceMillis, StepEvent event) {

        static Step timeOnly(long advanceMillis) {
            return new Step(advanceMillis, null);
        }

        @Override
        public String toString() {
            return event == null ? "+" + advanceMillis + "ms" : "+" + advanceMillis + "ms  " + event;
        }
    }

    /**
     * One event; it happened {@code lateMillis} before it arrives.
     *
     * @param amount the "amount" property of a "buy", else unused
     * @param plan   the "plan" trait of an "identify", else unused
     */
    record StepEvent(String name, long lateMillis, int amount, String plan) {

        static StepEvent of(String name, long lateMillis) {
            return new StepEvent(name, lateMillis, 0, null);
        }

        static StepEvent buy(int amount, long lateMillis) {
            return new StepEvent("buy", lateMillis, amount, null);
        }

        static StepEvent identify(String plan, long lateMillis) {
            return new StepEvent("identify", lateMillis, 0, plan);
        }

        /** The event as the engine receives it at {@code arrivalMillis}. */
        Event toEvent(long arrivalMillis, String messageId) {
            Instant at = Instant.ofEpochMilli(arrivalMillis - lateMillis);
            if (name.equals("identify")) {
                return new Event(1, "identify", messageId, "u", null, null, null, null, null,
                        Map.of("plan", plan), null, null, null, at, null, null, at, "test");
            }
            Map<String, Object> properties = switch (name) {
                case "buy" -> Map.of("amount", amount);
                // a price from the arrival second: varied, and still the same on every replay of the scenario
                case "view", "cart" -> Map.of("price", (int) (arrivalMillis / 1_000 % 100));
                default -> Map.of();
            };
            return new Event(1, "track", messageId, "u", null, name, null, null, null, null, properties,
                    null, null, at, null, null, at, "test");
        }

        @Override
        public String toString() {
            String detail = switch (name) {
                case "buy" -> " amount=" + amount;
                case "identify" -> " plan=" + plan;
                default -> "";
            };
            return name + detail + " late=" + lateMillis + "ms";
        }
    }

    /** 20 to 79 steps; a quarter are pure time steps, a quarter of the events are up to 40 minutes late. */
    static Scenario random(Random random) {
        int size = 20 + random.nextInt(60);
        List<Step> steps = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            long advance = (long) (random.nextDouble() * random.nextDouble() * 20 * 60_000);
            steps.add(random.nextInt(4) == 0 ? Step.timeOnly(advance) : new Step(advance, randomEvent(random)));
        }
        return new Scenario(steps);
    }

    private static StepEvent randomEvent(Random random) {
        String name = NAMES.get(random.nextInt(NAMES.size()));
        long late = random.nextInt(4) == 0 ? (long) (random.nextDouble() * 40 * 60_000) : 0;
        // The random.nextLong() calls were the events' message ids; kept so that every seed still generates
        // the scenario it generated before ids became deterministic.
        if (name.equals("identify")) {
            random.nextLong();
            return StepEvent.identify(random.nextBoolean() ? "pro" : "free", late);
        }
        int amount = name.equals("buy") ? 1 + random.nextInt(100) : 0;
        random.nextLong();
        return name.equals("buy") ? StepEvent.buy(amount, late) : StepEvent.of(name, late);
    }

    int size() {
        return steps.size();
    }

    /** One step a line, numbered as a mismatch names them. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < steps.size(); i++) {
            text.append(String.format("  %3d: %s%n", i, steps.get(i)));
        }
        return text.toString();
    }
}
