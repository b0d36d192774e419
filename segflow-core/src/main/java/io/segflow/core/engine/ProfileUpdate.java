package io.segflow.core.engine;

import io.segflow.core.event.Event;

/** How an event is named and timed in a profile. */
public final class ProfileUpdate {
    private ProfileUpdate() {
    }

    /** The name an event is counted under: a track call's event name, else its call type. */
    public static String eventName(Event event) {
        return event.isTrack() ? event.event() : event.type();
    }

    /** Event time: the corrected timestamp, else the time ingest received it. */
    public static long eventMillis(Event event) {
        return (event.timestamp() != null ? event.timestamp() : event.receivedAt()).toEpochMilli();
    }
}
