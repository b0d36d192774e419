package io.segflow.core.engine;

import io.segflow.core.event.Event;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What the model test replays, as plain data so it can be generated, shrunk and printed: steps that each move the
 * clock forward and then may do one thing — an event of the user "u" or of the anonymous id "a", a step of a's merge
 * into u, an SDK retry, a catalog saved ({@link Catalog}), or a chunk of the replay of earlier events that a saved
 * catalog asked for. Nothing random is left for replay time: the same scenario always replays the same way.
 * <p>
 * Every step is valid in any order, so that dropping steps leaves a scenario that still replays: a step that cannot
 * act yet (a merge before u's identify named "a", a delivery with nothing queued, a retry before any event, a replay
 * step with no replay going on) does nothing. A scenario that saves a catalog has no merge: its merge steps do nothing.
 */
record Scenario(List<Step> steps) {
    static final String USER = "u";
    static final String ANONYMOUS = "a";
    /**
     * A system property: {@code true} lets a tie of event times (see {@link #addTie}) straddle a catalog, so that one
     * event is replayed and the other applied live; off by default while {@code Profile.replay} breaks such a tie the
     * wrong way (the replayed event, which arrived first, wins it).
     */
    static final String TIES_ACROSS_CATALOGS = "segflow.model.tiesAcrossCatalogs";
    /** How many records of the event log a {@link Control#REPLAY} step reads. */
    static final int REPLAY_CHUNK = 3;
    private static final List<String> NAMES = List.of("view", "view", "cart", "buy", "identify");

    Scenario {
        steps = List.copyOf(steps);
    }

    /** What a step does after its clock advance: a {@link StepEvent} or a {@link Control} step. */
    sealed interface Action permits StepEvent, Control, Catalog {
    }

    /**
     * @param advanceMillis how far the clock moves before the step's action (scheduled wakes due by then fire first)
     * @param action        null for a pure time step
     */
    record Step(long advanceMillis, Action action) {

        static Step timeOnly(long advanceMillis) {
            return new Step(advanceMillis, null);
        }

        /** The step's event, or null (a time step, or a control step). */
        StepEvent event() {
            return action instanceof StepEvent event ? event : null;
        }

        @Override
        public String toString() {
            return action == null ? "+" + advanceMillis + "ms" : "+" + advanceMillis + "ms  " + action;
        }
    }

    /**
     * The identity and retry steps. As in segment-function, each touches one id: a's partition for {@link #MERGE}, u's
     * for the deliveries; records a's partition sends to u wait in a queue, in order, until a {@link #DELIVER}.
     */
    enum Control implements Action {
        /**
         * The merge request (sent by u's identify naming "a") reaches a's partition: a's stored record goes to u (the
         * transfer), a's memberships end, a becomes a forward. Does nothing before u's identify, and when a is merged.
         */
        MERGE("merge: a's record sent to u, a becomes a forward"),
        /** u takes the next record a's partition sent it (the transfer, or a forwarded event of a); none queued: nothing. */
        DELIVER("deliver: u takes the next record sent by a"),
        /** The transfer reaches u again (a record published twice), once it was delivered: it must change nothing. */
        REDELIVER("redeliver: u gets the transfer again"),
        /** An SDK retry of u's last event (same messageId): it must change nothing. */
        RETRY_USER("retry: u's last event again"),
        /** An SDK retry of a's last event: a recognises it, or, a merged, u does. */
        RETRY_ANONYMOUS("retry: a's last event again"),
        /**
         * The partition's replay goes on: the next {@link #REPLAY_CHUNK} events of the log before the catalog that asked
         * for it, in log order (retries included: each messageId counts once). When the last replay ends, the catalog
         * backfill evaluates every user in full. Nothing when no replay is going on.
         */
        REPLAY("replay: the next " + Scenario.REPLAY_CHUNK + " earlier events"),
        /** Every replay going on runs to its end, then the catalog backfill evaluates every user in full. */
        FINISH("replay: to the end, then the catalog backfill");

        private final String text;

        Control(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /**
     * A catalog saved (the next revision): which segments are enabled from now on (see
     * {@code ScenarioChecker.CATALOGS}). The partition adopts it at once: a property aggregate it reads that profiles
     * did not keep as it reads it is rebuilt by a replay of the events logged so far, and the segments that read it are
     * held until then; with no replay going on, the catalog backfill evaluates every user in full right away.
     */
    enum Catalog implements Action {
        /** The catalog the scenario starts with. */
        FIRST("the first segments"),
        /** The first plus segments over aggregates of view.price, cart.price and buy.amount it does not keep. */
        WIDER("the first plus segments over new aggregates"),
        /** The first without its segments over view.price and cart.price: those properties are no longer kept. */
        NARROWER("the first without view.price and cart.price");

        private final String text;

        Catalog(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return "save catalog: " + text;
        }
    }

    /**
     * One event of {@code id}; it happened {@code lateMillis} before it arrives.
     *
     * @param id     "u" (an event with that userId; its identify names "a" as anonymousId) or "a" (anonymousId only)
     * @param amount the "amount" property of a "buy", else unused
     * @param plan   the "plan" trait of an "identify" ({@link #NO_PLAN}: an identify without traits; {@link #PLAN_REMOVED}:
     *               one that sets it to null, which removes it), else unused
     */
    record StepEvent(String id, String name, long lateMillis, int amount, String plan) implements Action {
        static final String NO_PLAN = "(none)";
        static final String PLAN_REMOVED = "null";
        private static final List<String> PLANS = List.of("pro", "free", "pro", "free", NO_PLAN, PLAN_REMOVED);

        static StepEvent of(String name, long lateMillis) {
            return new StepEvent(USER, name, lateMillis, 0, null);
        }

        static StepEvent buy(int amount, long lateMillis) {
            return new StepEvent(USER, "buy", lateMillis, amount, null);
        }

        static StepEvent identify(String plan, long lateMillis) {
            return new StepEvent(USER, "identify", lateMillis, 0, plan);
        }

        /** The same event sent by {@code other}. */
        StepEvent by(String other) {
            return new StepEvent(other, name, lateMillis, amount, plan);
        }

        StepEvent late(long millis) {
            return new StepEvent(id, name, millis, amount, plan);
        }

        boolean anonymous() {
            return id.equals(ANONYMOUS);
        }

        /** The event as the engine receives it at {@code arrivalMillis}. */
        Event toEvent(long arrivalMillis, String messageId) {
            Instant at = Instant.ofEpochMilli(arrivalMillis - lateMillis);
            String userId = anonymous() ? null : USER;
            if (name.equals("identify")) {
                // u's identify carries the anonymousId it had: it links "a" (the merge is requested); a's has no userId
                Map<String, Object> traits = new HashMap<>();
                traits.put("plan", plan.equals(PLAN_REMOVED) ? null : plan);
                return new Event(1, "identify", messageId, userId, ANONYMOUS, null, null, null, null,
                        plan.equals(NO_PLAN) ? null : traits, null, null, null, at, null, null, at, "test");
            }
            Map<String, Object> properties = switch (name) {
                case "buy" -> Map.of("amount", amount);
                // a price from the arrival second: varied, and still the same on every replay of the scenario
                case "view", "cart" -> Map.of("price", (int) (arrivalMillis / 1_000 % 100));
                default -> Map.of();
            };
            return new Event(1, "track", messageId, userId, anonymous() ? ANONYMOUS : null, name, null, null, null, null,
                    properties, null, null, at, null, null, at, "test");
        }

        @Override
        public String toString() {
            String detail = switch (name) {
                case "buy" -> " amount=" + amount;
                case "identify" -> " plan=" + plan;
                default -> "";
            };
            return id + " " + name + detail + " late=" + lateMillis + "ms";
        }
    }

    /**
     * 20 to 79 steps: a quarter are pure time steps, an eighth take no time, a quarter of the events are up to 40
     * minutes late; an identify sets the plan, sets none, or removes it. In 7 scenarios of 8 the anonymous id "a"
     * sends events too (two in five), and once u identified, a's merge request may come (more than once), followed by
     * deliveries to u interleaved with everything else; now and then a retry, or the transfer published twice.
     * <p>
     * Two scenarios in five then save catalogs instead of merging (see {@link #withCatalogs}).
     */
    static Scenario random(Random random) {
        List<Step> steps = steps(random);
        // drawn after the steps, so that the scenarios without catalogs are the ones these seeds always gave
        return random.nextInt(5) < 2 ? withCatalogs(steps, random) : new Scenario(steps);
    }

    /** A scenario as {@link #random} generates it before it may save catalogs. */
    static Scenario randomWithoutCatalogs(Random random) {
        return new Scenario(steps(random));
    }

    private static List<Step> steps(Random random) {
        int size = 20 + random.nextInt(60);
        boolean anonymous = random.nextInt(8) != 0;
        boolean identified = false;
        boolean merged = false;
        List<Step> steps = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            // one step in eight in the same millisecond as the one before: ties of event times
            long advance = random.nextInt(8) == 0 ? 0 : (long) (random.nextDouble() * random.nextDouble() * 20 * 60_000);
            int roll = random.nextInt(100);
            Action action;
            if (roll < 25) {
                action = null;
            } else if (roll < 31 && anonymous && identified) {
                action = Control.MERGE;
                merged = true;
            } else if (roll >= 31 && roll < 47 && merged) {
                action = Control.DELIVER;
            } else if (roll >= 47 && roll < 51 && merged) {
                action = Control.REDELIVER;
            } else if (roll >= 51 && roll < 54) {
                action = anonymous && random.nextBoolean() ? Control.RETRY_ANONYMOUS : Control.RETRY_USER;
            } else {
                StepEvent event = randomEvent(random);
                if (anonymous && random.nextInt(5) < 2) {
                    event = event.by(ANONYMOUS);
                } else {
                    identified |= event.name().equals("identify");
                }
                action = event;
            }
            steps.add(new Step(advance, action));
        }
        return steps;
    }

    /**
     * The steps with their merge steps made retries, one to three catalogs saved after the first fifth (the first one
     * mostly {@link Catalog#WIDER}, then any other than the one before: a property needed, dropped or narrowed, needed
     * again), a replay step among every six steps from the first catalog on, and in most scenarios a
     * {@link Control#FINISH} in the last fifth (in some also one between two catalogs).
     */
    static Scenario withCatalogs(List<Step> generated, Random random) {
        List<Step> steps = new ArrayList<>(generated.size() + 12);
        for (Step step : generated) {
            steps.add(step.action() == Control.MERGE || step.action() == Control.DELIVER || step.action() == Control.REDELIVER
                    ? new Step(step.advanceMillis(), random.nextBoolean() ? Control.RETRY_USER : Control.RETRY_ANONYMOUS) : step);
        }
        int catalogs = 1 + random.nextInt(3);
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < catalogs; i++) {
            at.add(steps.size() / 5 + random.nextInt(steps.size() - steps.size() / 5));
        }
        at.sort(null);
        Catalog previous = Catalog.FIRST;
        for (int i = catalogs - 1; i >= 0; i--) {
            // placed from the last, so that earlier positions stay where they were drawn
            steps.add(at.get(i), null);
        }
        List<Catalog> saved = new ArrayList<>();
        for (int i = 0; i < catalogs; i++) {
            Catalog next = i == 0 && random.nextInt(5) != 0 ? Catalog.WIDER : otherThan(previous, random);
            saved.add(next);
            previous = next;
        }
        int first = -1;
        int n = 0;
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i) == null) {
                long advance = random.nextBoolean() ? 0 : random.nextInt(10 * 60_000);
                steps.set(i, new Step(advance, saved.get(n++)));
                first = first < 0 ? i : first;
            }
        }
        List<Step> withReplays = new ArrayList<>(steps.size() + steps.size() / 4);
        for (int i = 0; i < steps.size(); i++) {
            withReplays.add(steps.get(i));
            if (i >= first && random.nextInt(6) == 0) {
                long advance = random.nextInt(3) == 0 ? 0 : random.nextInt(5 * 60_000);
                withReplays.add(new Step(advance, random.nextInt(10) == 0 ? Control.FINISH : Control.REPLAY));
            }
        }
        if (random.nextInt(8) != 0) {
            int size = withReplays.size();
            withReplays.add(size - random.nextInt(Math.max(1, size / 5)), new Step(random.nextInt(60_000), Control.FINISH));
        }
        for (int ties = random.nextInt(4); ties > 0; ties--) {
            addTie(withReplays, random);
        }
        return new Scenario(withReplays);
    }

    /**
     * Adds an event of the same id and name as an earlier one, late so that it happened in the same millisecond: a tie
     * of event times that the latest value breaks by arrival. Between the two steps there is no catalog (one event
     * replayed, the other applied live), unless {@link #TIES_ACROSS_CATALOGS} is set.
     */
    private static void addTie(List<Step> steps, Random random) {
        List<Integer> events = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).event() != null && !steps.get(i).event().name().equals("identify")) {
                events.add(i);
            }
        }
        if (events.isEmpty()) {
            return;
        }
        int first = events.get(random.nextInt(events.size()));
        int last = first + 1;
        while (last < steps.size() && (Boolean.getBoolean(TIES_ACROSS_CATALOGS) || !(steps.get(last).action() instanceof Catalog))) {
            last++;
        }
        int at = first + 1 + random.nextInt(Math.min(last - first, 6));
        long advance = random.nextBoolean() ? 0 : random.nextInt(60_000);
        long late = steps.get(first).event().lateMillis() + advance;
        for (int i = first + 1; i < at; i++) {
            late += steps.get(i).advanceMillis();
        }
        StepEvent earlier = steps.get(first).event();
        StepEvent tie = earlier.name().equals("buy") ? StepEvent.buy(1 + random.nextInt(100), late) : StepEvent.of(earlier.name(), late);
        steps.add(at, new Step(advance, tie.by(earlier.id())));
    }

    private static Catalog otherThan(Catalog previous, Random random) {
        List<Catalog> others = new ArrayList<>(List.of(Catalog.values()));
        others.remove(previous);
        return others.get(random.nextInt(others.size()));
    }

    private static StepEvent randomEvent(Random random) {
        String name = NAMES.get(random.nextInt(NAMES.size()));
        long late = random.nextInt(4) == 0 ? (long) (random.nextDouble() * 40 * 60_000) : 0;
        if (name.equals("identify")) {
            return StepEvent.identify(StepEvent.PLANS.get(random.nextInt(StepEvent.PLANS.size())), late);
        }
        return name.equals("buy") ? StepEvent.buy(1 + random.nextInt(100), late) : StepEvent.of(name, late);
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
