package io.segflow.core.state;

import io.segflow.core.Topics;

/**
 * A record a partition's flush stored in its pending list ({@code sf:{pN}:changes}), to publish after the store and
 * publish again if the owner changes before Kafka acknowledged it. Change records (most of them) are stored as their
 * JSON, as consumers read it; records for {@code segflow.events} (identity steps, see
 * {@link io.segflow.core.identity.IdentityRecords}) as {@code E<key length>:<key><value>}. A flush stores its records
 * as one entry of the list ({@link #pack}): one value for Redis to append and trim, not one per record.
 */
public record PendingRecord(String topic, String key, String value) {
    private static final char EVENT = 'E';

    public static PendingRecord change(String userId, String json) {
        return new PendingRecord(Topics.SEGMENT_CHANGES, userId, json);
    }

    public static PendingRecord event(String key, String json) {
        return new PendingRecord(Topics.EVENTS, key, json);
    }

    public boolean isChange() {
        return Topics.SEGMENT_CHANGES.equals(topic);
    }

    /** The stored form; a change record's key is read back from its JSON. */
    public String encode() {
        return isChange() ? value : EVENT + Integer.toString(key.length()) + ':' + key + value;
    }

    /** A stored entry; {@code changeKey} reads a change record's user from its JSON. */
    public static PendingRecord decode(String stored, java.util.function.Function<String, String> changeKey) {
        if (stored.isEmpty() || stored.charAt(0) != EVENT) {
            return change(changeKey.apply(stored), stored);
        }
        int colon = stored.indexOf(':');
        int length = Integer.parseInt(stored.substring(1, colon));
        return event(stored.substring(colon + 1, colon + 1 + length), stored.substring(colon + 1 + length));
    }

    /** One entry of the pending list: each stored form as {@code <length>:<stored form>}, one after the other. */
    public static String pack(java.util.List<String> encoded) {
        int length = 0;
        for (String record : encoded) {
            length += record.length() + 8; // the length's digits and the colon
        }
        StringBuilder entry = new StringBuilder(length); // sized once: a round's entry runs to tens of kilobytes
        for (String record : encoded) {
            entry.append(record.length()).append(':').append(record);
        }
        return entry.toString();
    }

    /** The stored forms of a pending list's entry, in order. */
    public static java.util.List<String> unpack(String entry) {
        java.util.List<String> records = new java.util.ArrayList<>();
        int at = 0;
        while (at < entry.length()) {
            int colon = entry.indexOf(':', at);
            if (colon < 0) {
                throw new IllegalArgumentException("a pending list entry cut short at " + at);
            }
            int length = Integer.parseInt(entry, at, colon, 10);
            if (colon + 1 + length > entry.length()) {
                throw new IllegalArgumentException("a pending list entry cut short in its record at " + at);
            }
            records.add(entry.substring(colon + 1, colon + 1 + length));
            at = colon + 1 + length;
        }
        return records;
    }
}
