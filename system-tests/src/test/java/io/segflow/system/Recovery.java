package io.segflow.system;

import io.segflow.core.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * How long the pipeline took to recover once a fault ended, step by step along the data path: ingest acknowledges
 * events again; segment-function has processed (committed) every event that was on {@code segflow.events} by then;
 * trigger-function has committed every change that was on {@code segflow.segment-changes} by then (its offsets are
 * committed every few seconds, so this step includes up to one commit interval); the api answers a read with 200.
 */
record Recovery(Duration ingestAccepting, Duration eventsProcessed, Duration triggersCommitted, Duration apiReading) {
    private static final Duration POLL = Duration.ofMillis(100);

    /** Polls until every step is done, or fails after {@code timeout} saying which steps were not. */
    static Recovery await(FaultStack stack, SteadyLoad load, ApiReads reads, Instant faultEnded, Duration timeout) throws InterruptedException {
        Instant deadline = faultEnded.plus(timeout);
        Duration ingest = null;
        Duration events = null;
        Duration triggers = null;
        Duration api = null;
        Map<TopicPartition, Long> eventsEnd = null;
        Map<TopicPartition, Long> changesEnd = null;
        while (ingest == null || events == null || triggers == null || api == null) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not recovered within " + timeout + " of the fault's end: ingest accepting " + ingest
                        + ", events processed " + events + ", triggers committed " + triggers + ", api reading " + api + " " + stack.evidence());
            }
            try {
                if (ingest == null && load.acceptedSince(faultEnded)) {
                    ingest = since(faultEnded);
                    eventsEnd = stack.offsets().endOffsets(Topics.EVENTS);
                }
                if (ingest != null && events == null && stack.offsets().committedUpTo(EngineProgress.GROUP, eventsEnd)) {
                    events = since(faultEnded);
                    changesEnd = stack.offsets().endOffsets(Topics.SEGMENT_CHANGES);
                }
                if (events != null && triggers == null && stack.offsets().committedUpTo("trigger-function", changesEnd)) {
                    triggers = since(faultEnded);
                }
            } catch (IllegalStateException kafkaNotAnswering) {
                // still down: poll again
            }
            if (api == null && reads.answeredSince(faultEnded)) {
                api = since(faultEnded);
            }
            Thread.sleep(POLL);
        }
        return new Recovery(ingest, events, triggers, api);
    }

    private static Duration since(Instant start) {
        return Duration.between(start, Instant.now());
    }

    @Override
    public String toString() {
        return "ingest accepting after " + seconds(ingestAccepting) + ", events processed after " + seconds(eventsProcessed)
                + ", triggers committed after " + seconds(triggersCommitted) + ", api reading after " + seconds(apiReading);
    }

    private static String seconds(Duration duration) {
        return String.format("%.1f s", duration.toMillis() / 1000.0);
    }
}
