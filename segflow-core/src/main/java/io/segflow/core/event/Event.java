package io.segflow.core.event;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;
import java.util.Map;

/**
 * A normalized event as it travels on {@code segflow.events} (schema version {@link #SCHEMA_VERSION}).
 * Segment's {@code context}, {@code traits}, {@code properties} and {@code integrations} are carried through untouched:
 * in ingest they are {@link RawJsonObject}s, the bytes of the request, written into the record as they came.
 */
public record Event(
        int schema,
        String type,
        String messageId,
        String userId,
        String anonymousId,
        String event,
        String name,
        String category,
        String groupId,
        String previousId,
        Map<String, Object> traits,
        Map<String, Object> properties,
        Map<String, Object> context,
        Map<String, Object> integrations,
        Instant timestamp,
        Instant originalTimestamp,
        Instant sentAt,
        Instant receivedAt,
        String source) {

    public static final int SCHEMA_VERSION = 1;

    /** An event without a {@code category} (only page and screen calls carry one). */
    public Event(int schema, String type, String messageId, String userId, String anonymousId, String event,
                 String name, String groupId, String previousId, Map<String, Object> traits,
                 Map<String, Object> properties, Map<String, Object> context, Map<String, Object> integrations,
                 Instant timestamp, Instant originalTimestamp, Instant sentAt, Instant receivedAt, String source) {
        this(schema, type, messageId, userId, anonymousId, event, name, null, groupId, previousId, traits, properties,
                context, integrations, timestamp, originalTimestamp, sentAt, receivedAt, source);
    }
    /**
     * A control record, not a Segment call: erase the user (GDPR). The api-function writes it to segflow.events,
     * keyed by the user, so that the partition's owner erases the user in order with its events.
     */
    public static final String ERASE = "erase";

    /** The erasure request for one user. */
    public static Event erasure(String userId, String messageId, Instant at) {
        return new Event(SCHEMA_VERSION, ERASE, messageId, userId, null, null, null, null, null, null, null, null, null,
                at, null, null, at, "api");
    }

    @JsonIgnore
    public boolean isErasure() {
        return ERASE.equals(type);
    }

    /** The identity a profile is kept under and the Kafka record key: userId, else anonymousId. */
    @JsonIgnore
    public String profileKey() {
        return userId != null ? userId : anonymousId;
    }

    @JsonIgnore
    public boolean isTrack() {
        return EventType.TRACK.wireName().equals(type);
    }
}
