package io.segflow.segment.consume;

/**
 * How much of the engine thread work besides live events may take while they flow (backfills and replays have one
 * budget, due wakes another), so that live events come first and the other work uses what is left: a token bucket
 * that fills at {@code share} of wall-clock time and that each chunk drains by the time it took (the engine counts it
 * to the end of the round's store). With no live event for a second the engine is idle, and the work goes at full
 * speed.
 */
public final class LiveFirstBudget {
    /** No event for this long: the engine is idle and the budget does not apply. */
    static final long IDLE_NANOS = 1_000_000_000L;
    /** The most a quiet spell saves up: about one chunk's time, so a backfill cannot burst after it. */
    static final long MAX_SAVED_NANOS = 20_000_000L;

    private final double share;
    private double savedNanos;
    private long filledAt;
    private long lastEventAt = Long.MIN_VALUE / 2;

    public LiveFirstBudget(double share, long nowNanos) {
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("a share of the engine must be in (0, 1], not " + share);
        }
        this.share = share;
        this.filledAt = nowNanos;
    }

    /** A round polled live events. */
    public void liveEvents(long nowNanos) {
        lastEventAt = nowNanos;
    }

    /** How many items the next chunk may take: {@code whileLive} while events flow, {@code whileIdle} when none do. */
    public int chunk(long nowNanos, int whileLive, int whileIdle) {
        return idle(nowNanos) ? whileIdle : whileLive;
    }

    /** Whether a chunk may run now. */
    public boolean allows(long nowNanos) {
        return waitNanos(nowNanos) == 0;
    }

    /** How long until a chunk may run (0 when it may now). */
    public long waitNanos(long nowNanos) {
        fill(nowNanos);
        return idle(nowNanos) || savedNanos > 0 ? 0 : (long) Math.ceil(-savedNanos / share) + 1;
    }

    /** A chunk took this long: the budget pays it back before the next (a long chunk makes the next wait longer). */
    public void spent(long nanos) {
        savedNanos -= nanos;
    }

    private boolean idle(long nowNanos) {
        return nowNanos - lastEventAt >= IDLE_NANOS;
    }

    private void fill(long nowNanos) {
        savedNanos = Math.min(MAX_SAVED_NANOS, savedNanos + share * (nowNanos - filledAt));
        filledAt = nowNanos;
    }
}
