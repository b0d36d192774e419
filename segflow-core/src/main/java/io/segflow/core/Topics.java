package io.segflow.core;

/** Kafka topics that chain the functions. Payloads are documented in docs/contracts.md. */
public final class Topics {
    /** Normalized events from ingest, keyed by userId (else anonymousId). */
    public static final String EVENTS = "segflow.events";
    /** Calls ingest refused, with the reason and the source, for an operator to inspect and replay. */
    public static final String EVENTS_REJECTED = "segflow.events.rejected";
    /** Segment enter/exit changes, keyed by userId. */
    public static final String SEGMENT_CHANGES = "segflow.segment-changes";
    /** Events segment-function could not process after its retries, with the reason in headers. */
    public static final String EVENTS_DEAD_LETTER = "segflow.events.dead-letter";
    /** Trigger records for downstream consumers, keyed by userId. */
    public static final String TRIGGERS = "segflow.triggers";

    private Topics() {
    }
}
