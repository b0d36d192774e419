package io.segflow.core.identity;

import io.segflow.core.event.Event;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The records segment-function writes to {@code segflow.events} to merge identities, each keyed by the id whose
 * partition must act, so that every step touches one user on one partition (one Redis Cluster slot) and is safe to
 * repeat:
 * <ol>
 *   <li>{@value #MERGE} (keyed by the anonymous id, from the user's partition, after an identify or alias named it):
 *       the anonymous id's owner turns its profile into a forward to the user and sends the profile on;</li>
 *   <li>{@value #PROFILE} (keyed by the user, from the anonymous id's partition): the user's owner adds the profile
 *       to the user's, once;</li>
 *   <li>an event that arrives for an id already merged is forwarded, keyed by the user, with the user's id added as
 *       its {@code userId};</li>
 *   <li>an {@code erase} with {@code properties.mergedInto} (keyed by a linked id, from an erased user's partition):
 *       erases the forward if it points to that user;</li>
 *   <li>{@value #UNLINK} (keyed by the user, from the merged id's partition, when the merged id's forward was erased
 *       on its own): the user's owner no longer lists the id as merged, so that a later identify merges it again.</li>
 * </ol>
 */
public final class IdentityRecords {
    public static final String MERGE = "merge";
    public static final String PROFILE = "merge-profile";
    public static final String UNLINK = "unlink";
    static final String INTO = "into";
    static final String FROM = "from";
    static final String RECORD = "record";
    static final String MERGED_INTO = "mergedInto";

    private IdentityRecords() {
    }

    /** Asks the owner of {@code anonymousId} to merge it into {@code userId}. */
    public static Event mergeRequest(String anonymousId, String userId, Instant at) {
        return control(MERGE, "merge:" + anonymousId + ">" + userId, null, anonymousId, Map.of(INTO, userId), at);
    }

    /**
     * The stored record of {@code fromId} ({@code UserRecordCodec} bytes), for its merge into {@code userId} made at
     * {@code at}. The time is in the messageId: a repeat of this record is recognised by it, and a later merge of the
     * same id (after its forward was erased) is not taken for one.
     */
    public static Event profile(String fromId, String userId, byte[] record, Instant at) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put(FROM, fromId);
        properties.put(RECORD, Base64.getEncoder().encodeToString(record));
        return control(PROFILE, "merged:" + fromId + ">" + userId + "@" + at.toEpochMilli(), userId, null, properties, at);
    }

    /** Tells {@code userId} that the forward of {@code fromId} to it was erased; keyed by the user. */
    public static Event unlink(String fromId, String userId, Instant at) {
        return control(UNLINK, "unlink:" + fromId + ">" + userId + "@" + at.toEpochMilli(), userId, null,
                Map.of(FROM, fromId), at);
    }

    /** Erases {@code id} if it is a forward to {@code erasedUser}; keyed by {@code id}. */
    public static Event eraseMerged(String id, String erasedUser, Instant at) {
        return control(Event.ERASE, "erase:" + id + ">" + erasedUser, null, id, Map.of(MERGED_INTO, erasedUser), at);
    }

    /** The user a merge request asks to merge into; null for another event. */
    public static String mergeTarget(Event event) {
        return MERGE.equals(event.type()) ? text(event, INTO) : null;
    }

    /** A merge request, a merged profile or an unlink: a step of the engine, not something a user did. */
    public static boolean isStep(Event event) {
        return MERGE.equals(event.type()) || PROFILE.equals(event.type()) || UNLINK.equals(event.type());
    }

    public static boolean isUnlink(Event event) {
        return UNLINK.equals(event.type());
    }

    /** The id an {@link #UNLINK} record says is no longer merged into its user. */
    public static String unlinkedId(Event event) {
        return text(event, FROM);
    }

    public static boolean isProfile(Event event) {
        return PROFILE.equals(event.type());
    }

    /** The id whose profile a {@link #PROFILE} record carries. */
    public static String profileFrom(Event event) {
        return text(event, FROM);
    }

    public static byte[] profileRecord(Event event) {
        String encoded = text(event, RECORD);
        if (encoded == null) {
            throw new IllegalArgumentException("a merge-profile record without properties.record");
        }
        return Base64.getDecoder().decode(encoded);
    }

    /** For an erasure: the user the erased id must be a forward to, or null for an erasure of the id itself. */
    public static String erasureOfForwardTo(Event event) {
        return event.isErasure() ? text(event, MERGED_INTO) : null;
    }

    /**
     * The id an identify or alias links to the event's user (its anonymousId, or an alias's previousId), when the
     * event is keyed by its userId and the other id differs; else null.
     */
    public static String linkedId(Event event) {
        if (event.userId() == null) {
            return null;
        }
        String other = "alias".equals(event.type()) ? event.previousId()
                : "identify".equals(event.type()) ? event.anonymousId() : null;
        return other == null || other.equals(event.userId()) ? null : other;
    }

    /**
     * An event record of the id {@code fromId} merged into {@code userId}, as the user's: {@code "userId"} and
     * {@code "forwardedFrom"} go in front of the original fields. {@code event} is the record as read: one that
     * carries a userId of its own (a known id merged on, when that is allowed) is written again with the user's.
     */
    public static byte[] forwarded(byte[] eventJson, Event event, String userId, String fromId) throws java.io.IOException {
        String value = event.userId() == null ? new String(eventJson, StandardCharsets.UTF_8)
                : new String(io.segflow.core.event.EventRecords.write(
                        withUserId(io.segflow.core.event.EventRecords.read(eventJson), userId)), StandardCharsets.UTF_8);
        if (!value.startsWith("{")) {
            throw new IllegalArgumentException("an event record is a JSON object");
        }
        StringBuilder out = new StringBuilder(value.length() + userId.length() + fromId.length() + 32).append('{');
        if (event.userId() == null) {
            out.append("\"userId\":");
            appendJsonString(out, userId);
            out.append(',');
        }
        out.append("\"forwardedFrom\":");
        appendJsonString(out, fromId);
        boolean noFields = value.substring(1).strip().equals("}");
        out.append(noFields ? "" : ",").append(value, 1, value.length());
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The event as the user's: for a forwarded event that carries a userId of its own (a known id merged on). */
    static Event withUserId(Event e, String userId) {
        return new Event(e.schema(), e.type(), e.messageId(), userId, e.anonymousId(), e.event(), e.name(),
                e.category(), e.groupId(), e.previousId(), e.traits(), e.properties(), e.context(), e.integrations(),
                e.timestamp(), e.originalTimestamp(), e.sentAt(), e.receivedAt(), e.source());
    }

    private static void appendJsonString(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static Event control(String type, String messageId, String userId, String anonymousId,
                                 Map<String, Object> properties, Instant at) {
        return new Event(Event.SCHEMA_VERSION, type, messageId, userId, anonymousId, null, null, null, null, null,
                properties, null, null, at, null, null, at, "segment-function");
    }

    private static String text(Event event, String property) {
        Object value = event.properties() == null ? null : event.properties().get(property);
        return value instanceof String text ? text : null;
    }
}
