package io.segflow.segment.consume;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import org.jboss.logging.Logger;

/**
 * Where a slow round's time went, step by step, in the log. The stage histograms ({@code segflow_round_stage_seconds})
 * say how long each step takes in general; this says which step held up the one round behind a latency spike (a Redis
 * round trip, a catalog load, a burst of events after a save). Off unless {@code segflow.engine.slow-round} is set. The
 * rounds of one spike come one after the other, so up to {@link #BURST} lines go out at once, and one a second after
 * that, each with the count of slow rounds left out since the last.
 *
 * <p>A round is timed from the return of its poll: an idle engine waits in the poll for events, which is no delay of
 * theirs (how long it waited is in the line). The engine thread marks the end of each step with its
 * {@link System#nanoTime()}; a step that did not run this round takes no time.
 */
final class SlowRounds {
    private static final Logger LOG = Logger.getLogger(SlowRounds.class);
    /** Lines that may go out at once: the slow rounds of one spike. */
    static final int BURST = 10;
    /** Then one line per this interval. */
    static final long LOG_INTERVAL_NANOS = 1_000_000_000L;

    /** The steps of a round, in their order ({@code EventLoop.round}). */
    enum Step {
        /** Reading the polled records. */
        RECORDS("records"),
        /**
         * The Redis round trip that stores the last round and reads this round's users, catalog revision and backfill
         * chunk (or the last round's store alone), with a new catalog's load if one was saved.
         */
        ROUND_TRIP("store and reads"),
        EVENTS("events"),
        WAKES("wakes"),
        BACKFILL("backfill"),
        /** Sealing the round, and its store when it goes at once; and the offset commit. */
        SEAL("seal");

        private final String label;

        Step(String label) {
            this.label = label;
        }
    }

    private final long thresholdNanos;
    /** Per step, by ordinal: the time it took this round. */
    private final long[] took = new long[Step.values().length];
    private long startNanos;
    private long pollNanos;
    private long lastMarkNanos;
    /** Lines that may go out now (a token bucket of {@link #BURST}, one more per interval). */
    private double lines = BURST;
    /** When {@link #lines} was last filled; it fills only while below {@link #BURST}. */
    private long filledNanos;
    private int notLogged;

    /** {@code threshold} zero: off. */
    SlowRounds(Duration threshold) {
        this.thresholdNanos = threshold.toNanos();
    }

    private boolean on() {
        return thresholdNanos > 0;
    }

    /** A round's poll returned now, after {@code pollNanos} (with the claims of partitions before it). */
    void polled(long nowNanos, long pollNanos) {
        if (on()) {
            Arrays.fill(took, 0);
            this.pollNanos = pollNanos;
            startNanos = nowNanos;
            lastMarkNanos = nowNanos;
        }
    }

    /** {@code step} ended now: it took the time since the last mark. */
    void ended(Step step, long nowNanos) {
        if (on()) {
            took[step.ordinal()] += nowNanos - lastMarkNanos;
            lastMarkNanos = nowNanos;
        }
    }

    /**
     * The round ended: logs its steps if it took longer than the threshold, unless too many lines went out lately.
     * {@code records}: polled; {@code revisionBefore} and {@code revisionAfter}: the catalog's at its start and end.
     *
     * @return the line logged, or null
     */
    String roundEnded(long nowNanos, int records, long revisionBefore, long revisionAfter) {
        if (!on() || nowNanos - startNanos <= thresholdNanos) {
            return null;
        }
        if (lines < BURST) {
            lines = Math.min(BURST, lines + (double) (nowNanos - filledNanos) / LOG_INTERVAL_NANOS);
        }
        filledNanos = nowNanos;
        if (lines < 1) {
            notLogged++;
            return null;
        }
        lines--;
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "A round took %.1f ms after its poll (%.1f ms):",
                millis(nowNanos - startNanos), millis(pollNanos)));
        for (Step step : Step.values()) {
            line.append(String.format(Locale.ROOT, " %s %.1f,", step.label, millis(took[step.ordinal()])));
        }
        line.setLength(line.length() - 1);
        line.append(String.format(Locale.ROOT, " ms; %d records polled", records));
        if (revisionAfter != revisionBefore) {
            line.append("; catalog revision ").append(revisionBefore).append(" -> ").append(revisionAfter);
        }
        if (notLogged > 0) {
            line.append("; ").append(notLogged).append(" more slow rounds since the last line");
        }
        notLogged = 0;
        String logged = line.toString();
        LOG.info(logged);
        return logged;
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
