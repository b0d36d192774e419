package io.segflow.core.event;

/** Segment's documented limits of the HTTP tracking API, which segflow enforces the same way. */
public final class SegmentLimits {
    /** One call as sent (a batch item's own JSON), in bytes. */
    public static final int MAX_EVENT_BYTES = 32 * 1024;
    /** One request body after gzip decoding, in bytes. */
    public static final int MAX_REQUEST_BYTES = 500 * 1024;
    /** Calls in one batch. */
    public static final int MAX_BATCH_CALLS = 2_500;

    private SegmentLimits() {
    }
}
