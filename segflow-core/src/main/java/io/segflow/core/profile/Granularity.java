package io.segflow.core.profile;

import java.time.Duration;

/**
 * Bucket sizes of time windows. A window uses the finest granularity whose span covers it, so that a profile
 * keeps at most a few hundred buckets per windowed aggregate, whatever the traffic.
 *
 * <p>Precision: an event in bucket {@code b} (of size {@code B}) counts in window {@code W} at time {@code now}
 * while {@code (b + 1) * B > now - W}: it leaves the window at most one bucket late, never early.
 */
public enum Granularity {
    SECOND("s", Duration.ofSeconds(1), Duration.ofMinutes(15)),
    MINUTE("m", Duration.ofMinutes(1), Duration.ofHours(6)),
    HOUR("h", Duration.ofHours(1), Duration.ofDays(7)),
    DAY("d", Duration.ofDays(1), Duration.ofDays(90));

    private final String code;
    private final long bucketMillis;
    private final Duration maxWindow;

    Granularity(String code, Duration bucket, Duration maxWindow) {
        this.code = code;
        this.bucketMillis = bucket.toMillis();
        this.maxWindow = maxWindow;
    }

    public String code() {
        return code;
    }

    public long bucketMillis() {
        return bucketMillis;
    }

    /** The longest window that uses this granularity: how long a profile keeps its buckets. */
    public long maxWindowMillis() {
        return maxWindow.toMillis();
    }

    public long bucketOf(long epochMillis) {
        return Math.floorDiv(epochMillis, bucketMillis);
    }

    /**
     * Every granularity in order (the order the series maps iterate them): {@code values()} copies its array at every
     * call, and the profile walks the granularities for every event.
     */
    static final Granularity[] ALL = values();

    /** The instant a bucket stops counting in a window of the given length. */
    public long expiryMillis(long bucket, long windowMillis) {
        return (bucket + 1) * bucketMillis + windowMillis;
    }

    public boolean inWindow(long bucket, long windowMillis, long nowMillis) {
        return expiryMillis(bucket, windowMillis) > nowMillis;
    }

    public static Granularity forWindow(Duration window) {
        for (Granularity granularity : ALL) {
            if (window.compareTo(granularity.maxWindow) <= 0) {
                return granularity;
            }
        }
        throw new IllegalArgumentException("windows are at most " + DAY.maxWindow.toDays() + " days");
    }

    public static Granularity ofCode(String code) {
        for (Granularity granularity : ALL) {
            if (granularity.code.equals(code)) {
                return granularity;
            }
        }
        throw new IllegalArgumentException("no granularity " + code);
    }
}
