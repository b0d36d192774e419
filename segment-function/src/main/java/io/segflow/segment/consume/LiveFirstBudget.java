package io.segflow.segment.consume;

/**
 * How much of the engine thread work besides live events may take while they flow (backfills and replays have one
 * budget, due wakes another), so that live events come first and the other work uses what is left: a token bucket
 * that fills at {@code share} of wall-clock time and that each chunk drains by the time it took (the engine counts it
 * to the end of the round's store). With no live event for a second the engine is idle, and the work goes at full
 * speed.
 *
 * <p>The engine thread is not all the work besides live events causes: a backfill's change records load the broker
 * and their consumers, its reads and writes Redis, its garbage the collector, on machines live events share. So the
 * share follows live latency (from ingest to stored memberships) as TCP's window follows loss: a round whose slowest
 * event took longer than the target halves it (at most once per {@link #DECREASE_INTERVAL_NANOS}, down to
 * {@link #MIN_SHARE_FRACTION} of the configured share), and it grows back by the configured share every
 * {@link #RECOVERY_NANOS} while events are on time.
 */
public final class LiveFirstBudget {
    /** No event for this long: the engine is idle and the budget does not apply. */
    static final long IDLE_NANOS = 1_000_000_000L;
    /** The most a quiet spell saves up: about one chunk's time, so a backfill cannot burst after it. */
    static final long MAX_SAVED_NANOS = 20_000_000L;

    /** Halvings are this far apart at least: the rounds of one slow spell report it many times over. */
    static final long DECREASE_INTERVAL_NANOS = 100_000_000L;
    /** The least of the configured share that the work keeps, so that it always finishes. */
    static final double MIN_SHARE_FRACTION = 1.0 / 16;
    /** On time for this long, the share grows back from nothing to the configured one. */
    static final long RECOVERY_NANOS = 4_000_000_000L;

    private final double maxShare;
    private final long latencyTargetMillis;
    private double share;
    private long lastDecreaseAt = Long.MIN_VALUE / 2;
    private long grownAt;
    private double savedNanos;
    private long filledAt;
    private long lastEventAt = Long.MIN_VALUE / 2;

    /** A fixed share, whatever live latency does. */
    public LiveFirstBudget(double share, long nowNanos) {
        this(share, 0, nowNanos);
    }

    /** A share that halves when a round's slowest live event took longer than {@code latencyTargetMillis} (0: never). */
    public LiveFirstBudget(double share, long latencyTargetMillis, long nowNanos) {
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("a share of the engine must be in (0, 1], not " + share);
        }
        if (latencyTargetMillis < 0) {
            throw new IllegalArgumentException("a latency target must not be negative, not " + latencyTargetMillis);
        }
        this.maxShare = share;
        this.share = share;
        this.latencyTargetMillis = latencyTargetMillis;
        this.filledAt = nowNanos;
        this.grownAt = nowNanos;
    }

    /** A round's live events were stored, the slowest {@code slowestMillis} after ingest received it. */
    public void liveLatency(long slowestMillis, long nowNanos) {
        if (latencyTargetMillis == 0) {
            return;
        }
        fill(nowNanos); // what was saved so far, at the share it was saved at
        if (slowestMillis > latencyTargetMillis) {
            if (nowNanos - lastDecreaseAt >= DECREASE_INTERVAL_NANOS) {
                share = Math.max(maxShare * MIN_SHARE_FRACTION, share / 2);
                lastDecreaseAt = nowNanos;
            }
            grownAt = nowNanos;
        } else {
            share = Math.min(maxShare, share + maxShare * (nowNanos - grownAt) / RECOVERY_NANOS);
            grownAt = nowNanos;
        }
    }

    /** The share in force now. */
    public double share() {
        return share;
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
